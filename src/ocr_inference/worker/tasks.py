"""The Celery tasks, each declared next to its thin body: fetch the upload, run the
pipeline, hand back the result. No OCR logic here; the app is ``worker.main``'s.

A document of at most ``OCR_PAGES_PER_TASK`` pages is processed by its own task. A longer
one is split: its task replaces itself with a chord of page-range tasks, which any worker
process on any machine may run, and a merge task that inherits the document's task id, so
the result appears under the id the client holds. Each task is thus bounded by a few
pages, which is what lets the time limit and the broker's visibility timeout be short.

A task whose worker process died is delivered again at once; ``_check_attempts`` bounds
how often (``OCR_MAX_ATTEMPTS``). Refused documents are expected outcomes (``throws``),
logged without a traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import redis
from celery import Task, chord, group, shared_task
from celery.exceptions import Ignore, SoftTimeLimitExceeded

from ocr_inference.documents import Document
from ocr_inference.errors import (
    InvalidPages,
    OCRError,
    TaskCancelled,
    TaskTimeout,
    WorkerLost,
    error_from_code,
)
from ocr_inference.pipeline.assembly import merge_results
from ocr_inference.schemas import DocumentResult, PageResult
from ocr_inference.tasks.failures import error_result
from ocr_inference.tasks.page_selection import parse_pages
from ocr_inference.tasks.queue import (
    FAILED_TASK,
    MERGE_TASK,
    PAGES_QUEUE,
    PAGES_TASK,
    PROCESS_TASK,
    WEBHOOK_TASK,
)
from ocr_inference.tasks.store import TaskOptions
from ocr_inference.tasks.uploads import store_ranges
from ocr_inference.worker import delivery
from ocr_inference.worker.runtime import WorkerRuntime, get_runtime

log = logging.getLogger("ocr_inference.worker")

_EXPECTED = (OCRError,)


@shared_task(bind=True, name=PROCESS_TASK, default_retry_delay=0, throws=_EXPECTED)
def process_document(self: Task[Any, Any]) -> dict[str, Any]:
    """OCR the document stored under this task's id, or split it into page ranges."""
    runtime = get_runtime()
    task_id = str(self.request.id)
    with _ending(runtime, task_id) as end, _reported(runtime):
        _take(runtime, task_id)
        _check_cancelled(runtime, task_id)
        _check_attempts(runtime, task_id)
        document, chosen = _open(runtime, task_id)
        pages = len(chosen)
        runtime.store.start_document(
            task_id, pages, stale_after_s=runtime.settings.visibility_timeout_s
        )
        per_task = runtime.settings.pages_per_task
        if pages > per_task:
            document.close()
            ranges = [(first, min(first + per_task, pages)) for first in range(0, pages, per_task)]
            store_ranges(runtime.store, task_id, [(a, b, chosen[a:b]) for a, b in ranges])
            end.handed_over = True  # the merge task ends it
            log.info("split", extra={"pages": pages, "per_task": per_task})
            return self.replace(_split(self, ranges))
        end.result = _run(runtime, task_id, document)
    return end.result.model_dump(mode="json")


@shared_task(bind=True, name=PAGES_TASK, default_retry_delay=0, throws=_EXPECTED)
def process_pages(self: Task[Any, Any], document_id: str, first: int, stop: int) -> dict[str, Any]:
    """OCR pages ``first`` to ``stop - 1`` (0-based) of those the client selected (all by
    default) of a split document.

    A refusal is returned, not raised, so that the merge can report it with its code; once
    one range has failed, the ranges not yet started are skipped.
    """
    runtime = get_runtime()
    if runtime.store.failed(document_id):
        return {"skipped": True}
    try:
        with _reported(runtime):
            _check_cancelled(runtime, document_id)
            _check_attempts(runtime, str(self.request.id))
            document, _ = _open(runtime, document_id, first, stop)
            return _run(runtime, document_id, document).model_dump(mode="json")
    except OCRError as exc:
        runtime.store.mark_failed(document_id)
        return {"error": exc.message, "code": exc.code}


@shared_task(name=MERGE_TASK, default_retry_delay=0, throws=_EXPECTED)
def merge_pages(parts: list[dict[str, Any]], document_id: str, started: float) -> dict[str, Any]:
    """Join the page ranges of a split document, in page order; its result is the
    document's."""
    with _ending(get_runtime(), document_id) as end:
        for part in parts:
            if "code" in part:
                raise error_from_code(part["code"], part["error"])
        if any("skipped" in part for part in parts):  # the failure was not recorded
            raise OCRError("A range of pages was not processed.")
        end.result = merge_results(
            (DocumentResult.model_validate(part) for part in parts), time.time() - started
        )
    return end.result.model_dump(mode="json")


@shared_task(name=FAILED_TASK)
def document_failed(request: Any, exc: BaseException, traceback: Any) -> None:
    """Errback of a split document's merge, which Celery calls if a page range failed."""
    end_failed_document(str(request.id), exc)


# 5 tries in all, about 1, 2, 4 and 8 s apart (each delay drawn at random below it)
@shared_task(
    bind=True,
    name=WEBHOOK_TASK,
    autoretry_for=(httpx.HTTPError, delivery.ResultNotStored),
    max_retries=4,
    retry_backoff=True,
    retry_backoff_max=60,
    ignore_result=True,
)
def send_webhook(
    self: Task[Any, Any], task_id: str, url: str, status: str, code: str | None = None
) -> None:
    """POST the end of document ``task_id`` to the client's ``callback_url``."""
    last_try = self.max_retries is not None and self.request.retries >= self.max_retries
    delivery.send(task_id, url, status, code, last_try=last_try)


def end_failed_document(document_id: str, exc: BaseException) -> None:
    """End a document that Celery failed outside the task bodies, which never got to end
    it: a split document whose page range failed, or a task stopped at the hard time limit
    or whose worker processes died too often (these two in the worker's main process). It
    no longer counts as running, its upload expires with its result, it is counted as
    failed with the code the API reports for ``exc``, and its webhook is sent. Ending a
    document twice is harmless: it is counted and notified once."""
    _finish(get_runtime(), document_id, error_result(exc).code, None)


@dataclass
class _End:
    """How a document's task ended: its result, or the code of what stopped it."""

    result: DocumentResult | None = None
    handed_over: bool = False  # split: the merge task ends the document


@contextmanager
def _ending(runtime: WorkerRuntime, document_id: str) -> Iterator[_End]:
    """End the document however the body stops: succeeded with its result's
    ``meta.seconds``, or failed with the code of the ``OCRError`` raised (``internal_error``
    for anything else); not when the body handed the document over to a merge task."""
    end = _End()
    code: str | None = OCRError.code
    try:
        yield end
        code = None if end.result is not None else code
    except OCRError as exc:
        code = exc.code
        raise
    finally:
        if not end.handed_over:
            seconds = end.result.meta.seconds if end.result is not None else None
            _finish(runtime, document_id, code, seconds)
    if end.result is not None:
        _log_done(end.result)


def _finish(
    runtime: WorkerRuntime, document_id: str, error_code: str | None, seconds: float | None
) -> None:
    """The document no longer counts as running; a success's ``seconds`` goes into the
    duration histogram. If Redis is unreachable, its entry goes stale by itself and its
    upload expires; the result is what matters, and Celery stores it once Redis is back."""
    try:
        runtime.store.finish(document_id, error_code=error_code, seconds=seconds)
    except redis.RedisError as exc:
        log.warning("document not marked finished: %s", exc)
    delivery.notify(runtime, document_id, error_code)


def _split(task: Task[Any, Any], ranges: list[tuple[int, int]]) -> Any:
    document_id = str(task.request.id)
    header = group(
        task.app.signature(PAGES_TASK, args=(document_id, first, stop), queue=PAGES_QUEUE)
        for first, stop in ranges
    )
    merge = task.app.signature(MERGE_TASK, args=(document_id, time.time()), queue=PAGES_QUEUE)
    merge.on_error(task.app.signature(FAILED_TASK))
    return chord(header, merge)


def _take(runtime: WorkerRuntime, task_id: str) -> None:
    """Count the document as taken from the queue (for the queue positions of those
    behind it), once however often it is delivered."""
    try:
        runtime.store.take(task_id)
    except redis.RedisError as exc:  # an estimate is not worth failing the document for
        log.warning("document not counted as taken: %s", exc)


def _check_attempts(runtime: WorkerRuntime, task_id: str) -> None:
    attempt = runtime.store.count_attempt(task_id)
    if attempt > runtime.settings.max_attempts:
        # Reached when a worker process died mid-task and the task was delivered again.
        raise WorkerLost.after(attempt - 1)


def _check_cancelled(runtime: WorkerRuntime, document_id: str) -> None:
    if runtime.store.cancelled(document_id):
        raise TaskCancelled(TaskCancelled.MESSAGE)


def _open(
    runtime: WorkerRuntime, document_id: str, first: int = 0, stop: int | None = None
) -> tuple[Document, Sequence[int]]:
    """The document with the client's options (``pages``, ``dpi``), limited to the
    ``first`` to ``stop - 1`` of its selected pages (read from their stored range, if the
    document was split), and the 0-based indexes of all the pages it selects."""
    options = runtime.store.options(document_id)
    chosen = _chosen_pages(runtime, options)
    select: Sequence[int] | None = chosen[first:stop] if chosen is not None else None
    if chosen is None and stop is not None:
        select = range(first, stop)
    document = runtime.open(
        runtime.store,
        document_id,
        runtime.limits,
        dpi=options.dpi,
        text_layer=runtime.settings.pipeline.reads_text_layer,
        select=select,
        part=None if stop is None else (first, stop),
    )
    return document, range(document.page_count) if chosen is None else chosen


def _chosen_pages(runtime: WorkerRuntime, options: TaskOptions) -> tuple[int, ...] | None:
    if options.pages is None:
        return None
    try:
        return parse_pages(options.pages, max_page=runtime.settings.max_pages)
    except ValueError as exc:  # the API checked it, against its own OCR_MAX_PAGES
        raise InvalidPages(f"Invalid pages {options.pages!r}: {exc}.") from exc


def _run(runtime: WorkerRuntime, document_id: str, document: Document) -> DocumentResult:
    stale_after_s = runtime.settings.visibility_timeout_s
    log.info("processing", extra={"document": document_id, "pages": document.page_count})

    def page_done(_done: int, _total: int) -> None:
        try:
            runtime.store.page_done(document_id, stale_after_s=stale_after_s)
            cancelled = runtime.store.cancelled(document_id)
        except redis.RedisError as exc:  # progress is not worth the pages done so far
            log.warning("progress not recorded: %s", exc)
            return
        if cancelled:
            raise TaskCancelled(TaskCancelled.MESSAGE)

    max_bytes = runtime.settings.events_max_mb << 20

    def page_result(part: PageResult) -> None:
        data = part.model_dump_json().encode()
        try:  # for the event streams, which send it before the document is done
            runtime.store.keep_page(document_id, part.page.page_number, data, max_bytes=max_bytes)
        except redis.RedisError as exc:  # the streams send it from the result instead
            log.warning("page not kept: %s", exc)

    return runtime.pipeline.run(document.pages, document.page_count, page_done, page_result)


@contextmanager
def _reported(runtime: WorkerRuntime) -> Iterator[None]:
    """Turn whatever stops a task into an ``OCRError`` with a stable code, logged once."""
    try:
        yield
    except SoftTimeLimitExceeded as exc:
        raise TaskTimeout.after(runtime.settings.task_time_limit_s) from exc
    except OCRError as exc:
        log.info("document refused", extra={"code": exc.code, "reason": exc.message})
        raise
    except Ignore:  # how Task.replace ends the task it replaces
        raise
    except Exception as exc:
        log.exception("unexpected error")
        raise OCRError(
            f"Internal error while processing the document ({type(exc).__name__})."
        ) from exc


def _log_done(result: DocumentResult) -> None:
    log.info(
        "done",
        extra={
            "pages": len(result.pages),
            "lines": len(result.detections),
            "seconds": result.meta.seconds,
        },
    )
