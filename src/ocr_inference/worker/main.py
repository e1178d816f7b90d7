"""The worker's Celery app and task, built from the environment when first imported.

Models are loaded later, once in each worker process (``worker_process_init``).
"""

from __future__ import annotations

from typing import Any

import httpx
from billiard.exceptions import WorkerLostError
from celery import Task, signals
from celery.exceptions import TimeLimitExceeded

from ocr_inference.config import get_settings
from ocr_inference.errors import OCRError
from ocr_inference.logs import configure_logging
from ocr_inference.tasks.queue import (
    FAILED_TASK,
    MERGE_TASK,
    PAGES_TASK,
    PROCESS_TASK,
    QUEUE,
    WEBHOOK_TASK,
    create_celery_app,
)
from ocr_inference.worker import delivery, tasks
from ocr_inference.worker.runtime import current_runtime, get_runtime

_settings = get_settings()
app = create_celery_app(_settings)


# A task whose worker process died is delivered again at once, at most max_attempts times
# in all; refused documents are expected outcomes, logged without a traceback.
_RETRIES = _settings.max_attempts - 1
_EXPECTED = (OCRError,)


@app.task(
    bind=True, name=PROCESS_TASK, max_retries=_RETRIES, default_retry_delay=0, throws=_EXPECTED
)
def process_document(self: Task[Any, Any]) -> dict[str, Any]:
    """OCR the document stored under this task's id, or split it into page ranges."""
    return tasks.process_document(self)


@app.task(bind=True, name=PAGES_TASK, max_retries=_RETRIES, default_retry_delay=0, throws=_EXPECTED)
def process_pages(self: Task[Any, Any], document_id: str, first: int, stop: int) -> dict[str, Any]:
    """OCR pages ``first`` to ``stop - 1`` (0-based) of a split document."""
    return tasks.process_pages(self, document_id, first, stop)


@app.task(name=MERGE_TASK, max_retries=_RETRIES, default_retry_delay=0, throws=_EXPECTED)
def merge_pages(parts: list[dict[str, Any]], document_id: str, started: float) -> dict[str, Any]:
    """Join the page ranges of a split document; its result is the document's."""
    return tasks.merge_pages(parts, document_id, started)


@app.task(name=FAILED_TASK)
def document_failed(request: Any, exc: BaseException, traceback: Any) -> None:
    """Errback of a split document's merge, which Celery calls if a page range failed."""
    tasks.document_failed(str(request.id), exc)


# 5 tries in all, about 1, 2, 4 and 8 s apart (each delay drawn at random below it)
@app.task(
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


@signals.task_failure.connect
def _end_document_failed_by_celery(
    sender: Any = None, task_id: str | None = None, exception: BaseException | None = None, **_: Any
) -> None:
    # A document task killed at the hard time limit, or whose worker processes died too
    # often, is failed by the worker's main process: the task body never got to end it.
    if not isinstance(exception, (TimeLimitExceeded, WorkerLostError)) or not task_id:
        return
    if getattr(sender, "name", None) == PROCESS_TASK:
        tasks.document_failed(task_id, exception)


def _current_task_id() -> str | None:
    task = app.current_task
    request_id = getattr(getattr(task, "request", None), "id", None) if task else None
    return str(request_id) if request_id else None


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    configure_logging(_settings.log_level, _current_task_id)


@signals.worker_process_init.connect
def _load_models(**_: Any) -> None:
    runtime = get_runtime()
    runtime.start_heartbeat()
    runtime.pipeline  # noqa: B018 - loads the models now rather than on the first task


@signals.worker_init.connect
def _load_models_without_pool(sender: Any = None, **_: Any) -> None:
    # solo and thread pools run tasks in this process and send no worker_process_init
    pool = str(getattr(sender, "pool_cls", "prefork")).lower()
    if "solo" in pool or "thread" in pool:
        _load_models()


@signals.worker_process_shutdown.connect
@signals.worker_shutdown.connect
def _stop(**_: Any) -> None:
    runtime = current_runtime()
    if runtime is not None:
        runtime.stop()


__all__ = [
    "QUEUE",
    "app",
    "document_failed",
    "merge_pages",
    "process_document",
    "process_pages",
    "send_webhook",
]
