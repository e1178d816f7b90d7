"""Many files OCRed by several processes (``ocr-inference process --jobs N``).

The unit of work is one page of one file, so a long PDF spreads over every process as
many one-page images do. A worker process builds one pipeline when it starts; for each
page it opens the file itself and decodes that page alone, which it frees once done. The
parent process loads no model: it counts pages from the files' headers, hands out the
pages and merges each file's pages, in page order, into the result that processing the
file whole gives (``merge_results``).

Workers are started with ``spawn``: forking the parent would copy whatever threads and
libraries it has running. A worker that dies (killed, out of memory) breaks the pool: the
files not finished then fail as ``worker_lost`` and the run ends instead of hanging.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

from ocr_inference.config import get_settings
from ocr_inference.errors import OCRError, WorkerLost
from ocr_inference.local.batch import FileOutcome, process_file
from ocr_inference.pipeline import Pipeline
from ocr_inference.pipeline.assembly import merge_results
from ocr_inference.schemas import DocumentResult, ErrorResult

Progress = Callable[[Path, int], None]
"""Called with a file and a number of its pages that are done (or will not be run)."""


def process_files(
    files: Sequence[Path], counts: Sequence[int | ErrorResult], jobs: int, advance: Progress
) -> Iterator[FileOutcome]:
    """Each file's outcome, as it completes; ``counts`` are the files' page counts (from
    ``page_count``), or the error of a file that cannot be opened.

    With ``jobs`` 1, or a single page to process in all, the files are processed in this
    process, in order; otherwise by up to ``jobs`` worker processes, no more than there are
    pages, and the files that cannot be opened come first.

    Raises:
        OCRError: the pipeline cannot be built (a setting, a model, the device).
    """
    workers = min(jobs, sum(count for count in counts if isinstance(count, int)))
    if workers == 1:
        yield from _in_process(files, counts, advance)
        return
    runs: list[_FileRun] = []
    for path, count in zip(files, counts, strict=True):
        if isinstance(count, ErrorResult):
            yield FileOutcome(path, count)
        else:
            runs.append(_FileRun(path, count))
    if not runs:
        return
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(workers,),
    )
    try:
        yield from _collect(pool, runs, advance)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _in_process(
    files: Sequence[Path], counts: Sequence[int | ErrorResult], advance: Progress
) -> Iterator[FileOutcome]:
    """The files one after the other with one pipeline, in this process."""
    settings = get_settings()
    pipeline = Pipeline(settings.pipeline, settings.engine_config(), model_dir=settings.model_dir)
    for path, count in zip(files, counts, strict=True):
        if isinstance(count, ErrorResult):
            yield FileOutcome(path, count)
            continue
        run = _FileRun(path, count)
        outcome = process_file(pipeline, path, settings.limits(), partial(_page_done, run, advance))
        run.advance(advance, run.pages - run.reported)  # the pages after a failed one
        yield outcome


def _page_done(run: _FileRun, advance: Progress, done: int, total: int) -> None:
    run.advance(advance, 1)


@dataclass
class _FileRun:
    """One file's pages: submitted, then collected as they complete, in any order."""

    path: Path
    pages: int
    results: list[DocumentResult | ErrorResult | None] = field(default_factory=list)
    futures: list[Future[_PageDone]] = field(default_factory=list)
    started: float = math.inf
    reported: int = 0  # pages passed to ``advance``
    finished: bool = False

    def __post_init__(self) -> None:
        self.results = [None] * self.pages

    def advance(self, advance: Progress, pages: int) -> None:
        if pages > 0:
            self.reported += pages
            advance(self.path, pages)

    def outcome(self) -> FileOutcome | None:
        """The file's outcome once it is known: as processing it whole would stop, the
        error of its first page in page order that failed, else all its pages merged."""
        parts = []
        for result in self.results:
            if result is None:
                return None
            if isinstance(result, ErrorResult):
                return FileOutcome(self.path, result)
            parts.append(result)
        return FileOutcome(self.path, merge_results(parts, time.time() - self.started))


def _collect(
    pool: ProcessPoolExecutor, runs: Sequence[_FileRun], advance: Progress
) -> Iterator[FileOutcome]:
    """Submit every page of every file, then yield each file's outcome once it is known.
    Once a file has failed, its pages still waiting for a worker are cancelled; once its
    outcome is yielded, its pages' results are let go."""
    owners: dict[Future[_PageDone], tuple[int, _FileRun, int]] = {}
    for run in runs:
        for index in range(run.pages):
            future = pool.submit(_run_page, run.path, index)
            run.futures.append(future)
            owners[future] = (len(owners), run, index)
    pending = set(owners)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: owners[f][0]):
            _, run, index = owners.pop(future)
            if run.finished:
                continue
            run.results[index], started = _page_result(future)
            run.started = min(run.started, started)
            run.advance(advance, 1)
            outcome = run.outcome()
            if outcome is None:
                continue
            run.finished = True
            for other in run.futures:
                if other.cancel():
                    pending.discard(other)
                    del owners[other]
            run.futures.clear()
            run.results.clear()
            run.advance(advance, run.pages - run.reported)
            yield outcome


def _page_result(future: Future[_PageDone]) -> tuple[DocumentResult | ErrorResult, float]:
    """A page's result and when its worker started it; an error if its worker died.

    Raises:
        OCRError: the worker could not build its pipeline.
    """
    try:
        result, started = future.result()
    except BrokenProcessPool as exc:
        lost = WorkerLost(f"A worker process ended before this file was processed ({exc})")
        return ErrorResult(error=lost.message, code=lost.code), time.time()
    return result, started


class _PageDone(NamedTuple):
    result: DocumentResult | ErrorResult
    started: float  # time.time(), comparable between processes


_pipeline: Pipeline | None = None  # the worker process's pipeline, built by ``_start_worker``
_start_error: OCRError | None = None


def _start_worker(processes: int) -> None:
    """Build the pipeline of a worker process, one of ``processes`` sharing the cores."""
    global _pipeline, _start_error
    settings = get_settings()
    try:
        _pipeline = Pipeline(
            settings.pipeline, settings.engine_config(processes), model_dir=settings.model_dir
        )
    except OCRError as exc:  # raised again by each page, so the parent reports it
        _start_error = exc


def _run_page(path: Path, index: int) -> _PageDone:
    """OCR the page of ``path`` at 0-based ``index`` in a worker process.

    Raises:
        OCRError: the worker's pipeline could not be built.
    """
    if _pipeline is None:
        raise _start_error or RuntimeError("the worker process has no pipeline")
    started = time.time()
    outcome = process_file(_pipeline, path, get_settings().limits(), select=[index])
    return _PageDone(outcome.result, started)
