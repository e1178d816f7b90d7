"""Pages of files shared among worker processes: a dead worker, and each file's outcome."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

from ocr_dev.factories import PAGE_LINES, encode, multipage, text_image
from ocr_inference.documents import Limits
from ocr_inference.local.batch import page_count
from ocr_inference.local.parallel import _FileRun, process_files
from ocr_inference.schemas import DocumentResult, ErrorResult, PageInfo, ResultMeta


def test_a_worker_that_dies_fails_the_files_it_left_and_ends_the_run(tmp_path: Path) -> None:
    long = tmp_path / "long.pdf"
    pages = [text_image(PAGE_LINES[n % 3], size=(1000, 300)) for n in range(8)]
    long.write_bytes(multipage(pages, "PDF", resolution=300))
    short = tmp_path / "short.png"
    short.write_bytes(encode(text_image(PAGE_LINES[0], size=(1000, 300)), "PNG"))
    files = [long, short]
    done: list[int] = []

    def kill_a_worker_after_the_first_page(path: Path, pages: int) -> None:
        if not done:
            workers = [child.pid for child in multiprocessing.active_children()]
            assert len(workers) == 2 and workers[0] is not None
            os.kill(workers[0], signal.SIGKILL)
        done.append(pages)

    counts = [page_count(path, Limits()) for path in files]
    outcomes = list(process_files(files, counts, 2, kill_a_worker_after_the_first_page))
    assert {outcome.path for outcome in outcomes} == set(files)
    assert sum(done) == 9  # the bar ends full
    lost = [o.result for o in outcomes if isinstance(o.result, ErrorResult)]
    assert lost, "the pages after the first one all finished before the kill"
    for result in lost:
        assert result.code == "worker_lost"
        assert result.error.startswith("A worker process ended before this file was processed")
    assert multiprocessing.active_children() == []


def test_one_page_in_all_is_processed_in_this_process(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[1], size=(1000, 300)), "PNG"))
    children: list[int] = []

    def advance(path: Path, pages: int) -> None:
        children.append(len(multiprocessing.active_children()))

    (outcome,) = process_files([page], [page_count(page, Limits())], 8, advance)
    assert isinstance(outcome.result, DocumentResult)
    assert [d.text for d in outcome.result.detections] == PAGE_LINES[1]
    assert children == [0]


def _page(number: int) -> DocumentResult:
    meta = ResultMeta(pipeline="test", models=[], seconds=1.0, device="cpu")
    page = PageInfo(page_number=number, width=10, height=10, dpi=None)
    return DocumentResult(detections=[], pages=[page], meta=meta)


def test_a_file_fails_with_its_first_failed_page_once_the_pages_before_are_done() -> None:
    run = _FileRun(Path("doc.pdf"), 4)
    run.results[3] = ErrorResult(error="page 4", code="corrupt_document")
    run.results[0] = _page(1)
    assert run.outcome() is None  # page 2 may fail too, and processing stops at the first
    run.results[2] = ErrorResult(error="page 3", code="corrupt_document")
    assert run.outcome() is None
    run.results[1] = _page(2)
    outcome = run.outcome()
    assert outcome is not None and outcome.result == run.results[2]


def test_a_file_whose_pages_all_succeed_is_merged_in_page_order() -> None:
    run = _FileRun(Path("doc.pdf"), 3)
    run.results[2], run.results[0] = _page(3), _page(1)
    assert run.outcome() is None
    run.results[1] = _page(2)
    outcome = run.outcome()
    assert outcome is not None and isinstance(outcome.result, DocumentResult)
    assert [p.page_number for p in outcome.result.pages] == [1, 2, 3]
