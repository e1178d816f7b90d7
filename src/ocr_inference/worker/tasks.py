"""Bodies of the Celery tasks: fetch the upload, run the pipeline, hand back the result.
No OCR logic here.

A document of at most ``OCR_PAGES_PER_TASK`` pages is processed by its own task. A longer
one is split: its task replaces itself with a chord of page-range tasks, which any worker
process on any machine may run, and a merge task that inherits the document's task id, so
the result appears under the id the client holds. Each task is thus bounded by a few
pages, which is what lets the time limit and the broker's visibility timeout be short.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import redis
from celery import Task, chord, group
from celery.exceptions import Ignore, SoftTimeLimitExceeded

from ocr_inference.documents import open_document
from ocr_inference.documents.loader import Document
from ocr_inference.errors import (
    InvalidPages,
    OCRError,
    TaskCancelled,
    TaskTimeout,
    UploadMissing,
    WorkerLost,
    error_from_code,
)
from ocr_inference.pipeline.assembly import merge_results
from ocr_inference.schemas import DocumentResult
from ocr_inference.tasks.failures import error_result
from ocr_inference.tasks.page_selection import parse_pages
from ocr_inference.tasks.queue import FAILED_TASK, MERGE_TASK, PAGES_QUEUE, PAGES_TASK
from ocr_inference.tasks.store import TaskOptions
from ocr_inference.worker import delivery
from ocr_inference.worker.runtime import WorkerRuntime, get_runtime

log = logging.getLogger("ocr_inference.worker")


def process_document(task: Task[Any, Any]) -> dict[str, Any]:
    """Body of the ``process_document`` task: the whole document, or its split."""
    runtime = get_runtime()
    task_id = str(task.request.id)
    split = False
    error_code: str | None = OCRError.code  # should anything but an OCRError stop it
    seconds: float | None = None
    try:
        with _reported(runtime):
            _check_cancelled(runtime, task_id)
            _check_attempts(runtime, task_id)
            document, pages = _open(runtime, task_id)
            runtime.store.start_document(
                task_id, pages, stale_after_s=runtime.settings.visibility_timeout_s
            )
            per_task = runtime.settings.pages_per_task
            if pages > per_task:
                document.close()
                split = True
                log.info("split", extra={"pages": pages, "per_task": per_task})
                return task.replace(_split(task, pages, per_task))
            result = _run(runtime, task_id, document)
        error_code, seconds = None, result.meta.seconds
    except OCRError as exc:
        error_code = exc.code
        raise
    finally:
        if not split:
            _finish(runtime, task_id, error_code, seconds)
    _log_done(result)
    return result.model_dump(mode="json")


def process_pages(task: Task[Any, Any], document_id: str, first: int, stop: int) -> dict[str, Any]:
    """Body of a page-range task: pages ``first`` to ``stop - 1`` (0-based) of those the
    client selected (all by default) of a document.

    A refusal is returned, not raised, so that the merge can report it with its code; once
    one range has failed, the ranges not yet started are skipped.
    """
    runtime = get_runtime()
    if runtime.store.failed(document_id):
        return {"skipped": True}
    try:
        with _reported(runtime):
            _check_cancelled(runtime, document_id)
            _check_attempts(runtime, str(task.request.id))
            document, _ = _open(runtime, document_id, first, stop)
            return _run(runtime, document_id, document).model_dump(mode="json")
    except OCRError as exc:
        runtime.store.mark_failed(document_id)
        return {"error": exc.message, "code": exc.code}


def merge_pages(parts: list[dict[str, Any]], document_id: str, started: float) -> dict[str, Any]:
    """Body of the merge task: the page ranges' results, in page order, as one document."""
    runtime = get_runtime()
    error_code: str | None = OCRError.code  # should anything but an OCRError stop it
    seconds: float | None = None
    try:
        for part in parts:
            if "code" in part:
                raise error_from_code(part["code"], part["error"])
        if any("skipped" in part for part in parts):  # the failure was not recorded
            raise OCRError("A range of pages was not processed.")
        result = merge_results(
            (DocumentResult.model_validate(part) for part in parts), time.time() - started
        )
        error_code, seconds = None, result.meta.seconds
    except OCRError as exc:
        error_code = exc.code
        raise
    finally:
        _finish(runtime, document_id, error_code, seconds)
    _log_done(result)
    return result.model_dump(mode="json")


def _finish(
    runtime: WorkerRuntime, document_id: str, error_code: str | None, seconds: float | None
) -> None:
    """The document no longer counts as running; a success's ``seconds`` (its result's
    ``meta.seconds``) goes into the duration histogram. If Redis is unreachable, its entry
    goes stale by itself and its upload expires; the result is what matters, and Celery
    stores it once Redis is back."""
    try:
        runtime.store.finish(document_id, error_code=error_code, seconds=seconds)
    except redis.RedisError as exc:
        log.warning("document not marked finished: %s", exc)
    delivery.notify(runtime, document_id, error_code)


def _split(task: Task[Any, Any], pages: int, per_task: int) -> Any:
    document_id = str(task.request.id)
    ranges = [(first, min(first + per_task, pages)) for first in range(0, pages, per_task)]
    header = group(
        task.app.signature(PAGES_TASK, args=(document_id, first, stop), queue=PAGES_QUEUE)
        for first, stop in ranges
    )
    merge = task.app.signature(MERGE_TASK, args=(document_id, time.time()), queue=PAGES_QUEUE)
    merge.on_error(task.app.signature(FAILED_TASK))
    return chord(header, merge)


def document_failed(document_id: str, exc: BaseException) -> None:
    """A document that Celery failed outside the task bodies, which never got to finish
    it: a split document whose page range failed, or a task stopped at the hard time
    limit or whose worker processes died too often (these two in the worker's main
    process). It no longer counts as running, its upload expires with its result, it is
    counted as failed with the code the API reports for ``exc``, and its webhook is sent.
    Ending a document twice is harmless: it is counted and notified once."""
    _finish(get_runtime(), document_id, error_result(exc).code, None)


def _check_attempts(runtime: WorkerRuntime, task_id: str) -> None:
    attempt = runtime.store.count_attempt(task_id)
    if attempt > runtime.settings.max_attempts:
        # Reached when a worker process died mid-task and the task was delivered again.
        raise WorkerLost(
            f"Worker processes died {attempt - 1} times while processing this document."
        )


def _check_cancelled(runtime: WorkerRuntime, document_id: str) -> None:
    if runtime.store.cancelled(document_id):
        raise TaskCancelled("The task was cancelled.")


def _open(
    runtime: WorkerRuntime, document_id: str, first: int = 0, stop: int | None = None
) -> tuple[Document, int]:
    """The document with the client's options (``pages``, ``dpi``), limited to the
    ``first`` to ``stop - 1`` of its selected pages, and how many pages it selects."""
    data = runtime.store.load_blob(document_id)
    if data is None:
        raise UploadMissing("The uploaded file is no longer stored; submit it again.")
    options = runtime.store.options(document_id)
    limits = runtime.limits if options.dpi is None else replace(runtime.limits, dpi=options.dpi)
    text_layer = runtime.settings.pipeline.text_layer != "never"
    chosen = _chosen_pages(runtime, options)
    select: Sequence[int] | None = None
    if chosen is not None:
        select = chosen[first:stop]
    elif stop is not None:
        select = range(first, stop)
    document = open_document(data, limits, text_layer=text_layer, select=select)
    return document, document.page_count if chosen is None else len(chosen)


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
            raise TaskCancelled("The task was cancelled.")

    return runtime.pipeline.run(document.pages, document.page_count, page_done)


@contextmanager
def _reported(runtime: WorkerRuntime) -> Iterator[None]:
    """Turn whatever stops a task into an ``OCRError`` with a stable code, logged once."""
    try:
        yield
    except SoftTimeLimitExceeded as exc:
        raise TaskTimeout(
            f"Processing took longer than {runtime.settings.task_time_limit_s} s."
        ) from exc
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
