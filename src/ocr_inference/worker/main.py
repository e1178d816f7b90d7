"""The worker's Celery app, built from the environment when first imported (as
``celery -A ocr_inference.worker`` does), with the tasks of ``worker.tasks`` and the
signals that load models once per process and end documents Celery failed itself.

Models are loaded later, once in each worker process (``worker_process_init``).
"""

from __future__ import annotations

from typing import Any

from billiard.exceptions import WorkerLostError
from celery import signals
from celery.exceptions import TimeLimitExceeded

from ocr_inference.config import get_settings
from ocr_inference.logs import configure_logging
from ocr_inference.tasks.queue import MERGE_TASK, PAGES_TASK, PROCESS_TASK, create_celery_app
from ocr_inference.worker import tasks
from ocr_inference.worker.runtime import current_runtime, get_runtime

_settings = get_settings()
app = create_celery_app(_settings)
# a task whose worker process died is delivered again at once, at most max_attempts times
app.conf.task_annotations = {
    name: {"max_retries": _settings.max_attempts - 1}
    for name in (PROCESS_TASK, PAGES_TASK, MERGE_TASK)
}
process_document = tasks.process_document
process_pages = tasks.process_pages
merge_pages = tasks.merge_pages
document_failed = tasks.document_failed
send_webhook = tasks.send_webhook


@signals.task_failure.connect
def _end_document_failed_by_celery(
    sender: Any = None, task_id: str | None = None, exception: BaseException | None = None, **_: Any
) -> None:
    # A document task killed at the hard time limit, or whose worker processes died too
    # often, is failed by the worker's main process: the task body never got to end it.
    if not isinstance(exception, (TimeLimitExceeded, WorkerLostError)) or not task_id:
        return
    if getattr(sender, "name", None) == PROCESS_TASK:
        tasks.end_failed_document(task_id, exception)


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
    "app",
    "document_failed",
    "merge_pages",
    "process_document",
    "process_pages",
    "send_webhook",
]
