"""The queue's contract, shared by the API, which sends tasks, and the worker, which runs
them: queue and task names (kept across upgrades, so that queued messages survive one) and
the Celery app configured from Settings. Importing it loads no model."""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu import Queue

from ocr_inference.config import Settings
from ocr_inference.tasks.connection import celery_tls, celery_transport_options

QUEUE = "ocr"  # documents; its length is what the API reports as queued
PAGES_QUEUE = "ocr.pages"  # page ranges of split documents, and their merges
WORK_QUEUES = (QUEUE, PAGES_QUEUE)  # every queue a document's work waits in
PROCESS_TASK = "ocr_inference.process_document"
PAGES_TASK = "ocr_inference.process_pages"
MERGE_TASK = "ocr_inference.merge_pages"
FAILED_TASK = "ocr_inference.document_failed"
WEBHOOK_QUEUE = "ocr.webhooks"  # callbacks to clients, so that slow receivers hold no page
WEBHOOK_TASK = "ocr_inference.send_webhook"
# how long a new pool process may take to load its models before Celery kills it
PROCESS_UP_TIMEOUT_S = 120.0


def create_celery_app(settings: Settings) -> Celery:
    """A Celery app on ``settings.redis_url`` with the delivery guarantees the service needs.

    Tasks are acknowledged only after they end (late acks) and a task whose worker process
    died is put back on the queue; ``ocr_inference.worker.tasks`` bounds how often
    (``OCR_MAX_ATTEMPTS``). A pool process is recycled after a task by
    ``OCR_WORKER_MAX_TASKS_PER_CHILD`` and ``OCR_WORKER_MAX_MEMORY_MB``; the task it ran
    has been acknowledged by then, and the next one goes to its replacement.
    The broker's visibility timeout outlasts the hard time limit, so a task still running
    is never handed to a second worker.
    """
    app = Celery("ocr_inference", broker=settings.redis_url, backend=settings.redis_url)
    app.conf.update(
        task_default_queue=QUEUE,
        # a worker started without -Q reads all three; page ranges are listed first
        task_queues=(Queue(PAGES_QUEUE), Queue(QUEUE), Queue(WEBHOOK_QUEUE)),
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_retry_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        task_track_started=True,
        task_time_limit=settings.task_time_limit_s,
        task_soft_time_limit=settings.soft_time_limit_s,
        worker_prefetch_multiplier=1,
        worker_concurrency=settings.worker_processes,
        # A pool process is replaced once its task ends when it has run this many tasks, or
        # when its peak RSS (ru_maxrss, checked after each task; Celery counts KiB) is over
        # the cap; 0 turns either off. Its replacement loads the models again.
        worker_max_tasks_per_child=settings.worker_max_tasks_per_child or None,
        worker_max_memory_per_child=settings.worker_max_memory_mb * 1024 or None,
        # A new pool process reports itself up only after worker_process_init, where it
        # loads its models; Celery's 4 s default killed replacements that took longer (on
        # two busy cores) and started another, over and over, leaving no process to work.
        worker_proc_alive_timeout=PROCESS_UP_TIMEOUT_S,
        worker_hijack_root_logger=False,
        # A running task outlives a lost connection to Redis: its result is stored once
        # Redis is back, and its message, whose acknowledgement was lost with the
        # connection, runs again after the visibility timeout. Cancelling it instead
        # would store it as revoked, which fails the whole of a split document.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        # A result finished while Redis is down waits for it (backing off up to 5 s
        # between tries) instead of failing the task; the time limit still bounds it.
        result_backend_always_retry=True,
        result_backend_max_sleep_between_retries_ms=5000,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport(settings),
        result_backend_transport_options=_transport(settings),
        **celery_tls(settings),  # TLS under Sentinel
        result_expires=settings.result_ttl_s,
        result_extended=False,
        # Task events, so that Flower and `celery events` on the same Redis see every
        # task from the moment it is sent until it ends.
        worker_send_task_events=True,
        task_send_sent_event=True,
    )
    return app


def _transport(settings: Settings) -> dict[str, Any]:
    """The broker's and the result backend's transport options: the visibility timeout
    and, with a ``sentinel://`` URL, the primary's name and how to reach the Sentinels."""
    return {
        "visibility_timeout": settings.visibility_timeout_s,
        **celery_transport_options(settings),
    }
