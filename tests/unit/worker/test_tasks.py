"""The task bodies, run in this process (Celery's ``apply``) on a real Redis-compatible
server with the pipeline on the fake engine: what each task stores, returns and counts.
That tasks travel through the queue is the integration tests' business."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from billiard.exceptions import WorkerLostError

from ocr_dev.factories import encode, multipage, text_image
from ocr_inference.config import Settings
from ocr_inference.errors import OCRError
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.engine.fake import FakeEngine
from ocr_inference.tasks.store import TaskOptions, TaskStore
from ocr_inference.worker import runtime, tasks

PLAIN = {"use_layout_detection": False, "use_table_recognition": False}


def fake_pipeline(settings: Settings) -> Pipeline:
    return Pipeline(PipelineConfig.model_validate(PLAIN), loader=FakeEngine())


@pytest.fixture
def store(redis_url: str) -> Iterator[TaskStore]:
    settings = Settings(redis_url=redis_url, max_attempts=2)
    runtime.reset()
    runtime.configure(settings=settings, pipeline_factory=fake_pipeline)
    yield runtime.get_runtime().store
    runtime.reset()


def stored(store: TaskStore, data: bytes, task_id: str = "doc", **options: Any) -> str:
    store.create(task_id, data, filename="a", doc_type="png", options=TaskOptions(**options))
    store.queued(task_id)
    return task_id


def counters(store: TaskStore) -> dict[str, int]:
    raw = store.client.hgetall("ocr:counters")
    return {k.decode(): int(v) for k, v in raw.items()}


def test_a_document_is_read_and_ended_as_succeeded(store: TaskStore) -> None:
    task_id = stored(store, encode(text_image(["hello world"]), "PNG"))
    result = tasks.process_document.apply(task_id=task_id).get()
    assert [d["page_number"] for d in result["detections"]] == [1]
    assert result["meta"]["models"]
    assert counters(store) == {"submitted": 1, "pages": 1, "succeeded": 1}
    assert store.progress(task_id) is None  # no longer running
    assert store.ended_code(task_id) is None


def test_each_page_is_kept_while_the_document_runs_and_the_document_counted_taken(
    store: TaskStore,
) -> None:
    pages = [text_image([f"page {n}"]) for n in range(3)]
    task_id = stored(store, multipage(pages, "TIFF"))
    kept: list[list[int]] = []
    original = store.keep_page

    def keep_page(task_id: str, page_number: int, data: bytes, *, max_bytes: int) -> bool:
        done = original(task_id, page_number, data, max_bytes=max_bytes)
        kept.append(store.page_order(task_id))  # visible before the document ends
        return done

    store.keep_page = keep_page  # type: ignore[method-assign]
    result = tasks.process_document.apply(task_id=task_id).get()
    assert kept == [[1], [1, 2], [1, 2, 3]]
    assert store.page_order(task_id) == [1, 2, 3]  # the order outlives the pages
    assert not store.client.exists(f"ocr:page:{task_id}")
    assert [p["page_number"] for p in result["pages"]] == [1, 2, 3]
    assert store.client.hget("ocr:sequence", "taken") == b"1"


def test_the_chosen_pages_only_are_read(store: TaskStore) -> None:
    pages = [text_image([f"page {n}"]) for n in range(3)]
    task_id = stored(store, multipage(pages, "TIFF"), pages="2")
    result = tasks.process_document.apply(task_id=task_id).get()
    assert [p["page_number"] for p in result["pages"]] == [2]


@pytest.mark.parametrize(
    ("prepare", "code"),
    [
        (lambda store, task_id: store.cancel(task_id), "cancelled"),
        (lambda store, task_id: store.client.delete(f"ocr:blob:{task_id}"), "upload_missing"),
        (lambda store, task_id: [store.count_attempt(task_id) for _ in range(2)], "worker_lost"),
    ],
)
def test_a_document_that_cannot_run_ends_failed_with_its_code(
    store: TaskStore, prepare: Any, code: str
) -> None:
    task_id = stored(store, encode(text_image(["x"]), "PNG"))
    prepare(store, task_id)
    outcome = tasks.process_document.apply(task_id=task_id)
    assert outcome.failed()
    error = outcome.result
    assert isinstance(error, OCRError) and error.code == code
    assert store.ended_code(task_id) == code
    assert counters(store)[f"failed:{code}"] == 1


def test_a_bad_document_is_refused_with_its_code(store: TaskStore) -> None:
    task_id = stored(store, b"%PDF-1.7 not really")
    outcome = tasks.process_document.apply(task_id=task_id)
    assert isinstance(outcome.result, OCRError)
    assert store.ended_code(task_id) == outcome.result.code == "corrupt_document"


def test_a_page_range_returns_its_refusal_and_the_others_skip(store: TaskStore) -> None:
    pages = [text_image([f"page {n}"]) for n in range(4)]
    task_id = stored(store, multipage(pages, "TIFF"))
    first = tasks.process_pages.apply(args=(task_id, 0, 2), task_id="range-1").get()
    assert [p["page_number"] for p in first["pages"]] == [1, 2]
    store.cancel(task_id)
    refused = tasks.process_pages.apply(args=(task_id, 2, 4), task_id="range-2").get()
    assert refused["code"] == "cancelled" and store.failed(task_id)
    skipped = tasks.process_pages.apply(args=(task_id, 2, 4), task_id="range-3").get()
    assert skipped == {"skipped": True}


def test_the_merge_joins_ranges_in_page_order_or_fails_with_a_ranges_code(
    store: TaskStore,
) -> None:
    pages = [text_image([f"page {n}"]) for n in range(4)]
    task_id = stored(store, multipage(pages, "TIFF"))
    parts = [
        tasks.process_pages.apply(args=(task_id, first, first + 2), task_id=f"r{first}").get()
        for first in (0, 2)
    ]
    merged = tasks.merge_pages.apply(args=(parts, task_id, 0.0)).get()
    assert [p["page_number"] for p in merged["pages"]] == [1, 2, 3, 4]
    assert counters(store)["succeeded"] == 1

    other = stored(store, encode(text_image(["x"]), "PNG"), task_id="other")
    failed = tasks.merge_pages.apply(args=([{"error": "no", "code": "timeout"}], other, 0.0))
    assert isinstance(failed.result, OCRError) and failed.result.code == "timeout"
    assert store.ended_code(other) == "timeout"


def test_a_document_ended_by_celery_is_counted_once(store: TaskStore) -> None:
    task_id = stored(store, encode(text_image(["x"]), "PNG"))
    tasks.end_failed_document(task_id, WorkerLostError("killed"))
    tasks.end_failed_document(task_id, WorkerLostError("killed"))
    assert counters(store)["failed:worker_lost"] == 1


@pytest.fixture
def split_store(redis_url: str) -> Iterator[TaskStore]:
    """A store whose documents of over 2 pages are split; replacing the task by the chord
    of its ranges is left out (it needs the queue), the ranges are run here."""
    settings = Settings(redis_url=redis_url, max_attempts=3, pages_per_task=2)
    runtime.reset()
    runtime.configure(settings=settings, pipeline_factory=fake_pipeline)
    yield runtime.get_runtime().store
    runtime.reset()


def split(task_id: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int]]:
    """Run the document's task, which splits it; the arguments of its range tasks."""
    chords: list[Any] = []
    task_type = type(tasks.process_document._get_current_object())
    monkeypatch.setattr(task_type, "replace", lambda _, sig: chords.append(sig))
    tasks.process_document.apply(task_id=task_id).get()
    (replacement,) = chords
    return [tuple(task.args) for task in replacement.tasks]


def test_a_split_documents_ranges_are_stored_once_and_read_alone(
    split_store: TaskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = split_store
    pages = [text_image([f"page {n}"]) for n in range(1, 7)]
    data = multipage(pages, "PDF", resolution=150.0)
    task_id = stored(store, data, pages="2-6")
    ranges = split(task_id, monkeypatch)
    assert ranges == [(task_id, 0, 2), (task_id, 2, 4), (task_id, 4, 5)]
    stored_ranges = store.client.hgetall(f"ocr:range:{task_id}")
    assert sorted(stored_ranges) == [b"0-2", b"2-4", b"4-5"]
    held = len(data) + sum(len(part) for part in stored_ranges.values())
    assert store.held_bytes() == held
    assert 0 < store.client.ttl(f"ocr:range:{task_id}") <= store.client.ttl(f"ocr:blob:{task_id}")
    assert split(task_id, monkeypatch) == ranges  # delivered again: replaced, not added
    assert store.held_bytes() == held

    reads: list[str] = []
    load_blob = TaskStore.load_blob
    monkeypatch.setattr(TaskStore, "load_blob", lambda s, i: reads.append(i) or load_blob(s, i))
    parts = [tasks.process_pages.apply(args=args).get() for args in ranges]
    assert reads == []  # each range read its own pages only
    assert [[p["page_number"] for p in part["pages"]] for part in parts] == [[2, 3], [4, 5], [6]]
    assert {line["page_number"] for part in parts for line in part["detections"]} == {2, 3, 4, 5, 6}
    merged = tasks.merge_pages.apply(args=(parts, task_id, 0.0)).get()
    assert [p["page_number"] for p in merged["pages"]] == [2, 3, 4, 5, 6]
    assert not store.client.exists(f"ocr:range:{task_id}") and store.held_bytes() == 0


def test_a_range_not_stored_is_read_from_the_upload(split_store: TaskStore) -> None:
    pages = [text_image([f"page {n}"]) for n in range(1, 5)]
    task_id = stored(split_store, multipage(pages, "TIFF"))
    part = tasks.process_pages.apply(args=(task_id, 2, 4)).get()
    assert [p["page_number"] for p in part["pages"]] == [3, 4]


def test_a_cancelled_or_forgotten_documents_ranges_go(
    split_store: TaskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = split_store
    pages = multipage([text_image([f"page {n}"]) for n in range(5)], "TIFF")
    for task_id, end in (("a", store.cancel), ("b", store.forget)):
        split(stored(store, pages, task_id=task_id), monkeypatch)
        assert store.client.exists(f"ocr:range:{task_id}")
        end(task_id)
        assert not store.client.exists(f"ocr:range:{task_id}")
    assert store.held_bytes() == 0
    store.store_ranges("a", [(0, 2, b"late")])  # a split that ends after its cancel
    assert not store.client.exists("ocr:range:a") and store.held_bytes() == 0
