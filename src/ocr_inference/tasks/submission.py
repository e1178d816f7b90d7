"""Accepting a submission: its options, checked; admission; the task its
``Idempotency-Key`` stands for; storing the upload and queueing its task.

A task's record is stored before its ``Idempotency-Key`` is claimed and marked ``sending``
until its message is on the queue. An API process that dies in between leaves either an
unclaimed record, which no client knows of, or a claimed one still ``sending``: the first
repeat of the request, or read of the task, more than ``STALLED_AFTER_S`` later sends it,
as does the workers' sweep (``tasks.recovery``), which also finds messages lost after
queueing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

import redis

from ocr_inference.config import Settings
from ocr_inference.errors import (
    IdempotencyConflict,
    InvalidRequest,
    ServiceBusy,
    ServiceUnavailable,
)
from ocr_inference.tasks.connection import replicated
from ocr_inference.tasks.idempotency import IdempotencyClaim
from ocr_inference.tasks.page_selection import format_pages, parse_pages
from ocr_inference.tasks.queue import PROCESS_TASK, QUEUE
from ocr_inference.tasks.service import TaskService
from ocr_inference.tasks.store import TaskOptions
from ocr_inference.tasks.webhooks import WebhookRefused, check_url

log = logging.getLogger("ocr_inference.tasks")

# A task is queued milliseconds after its record is stored; one still unqueued after this
# long was stored by an API process that died before queueing it.
STALLED_AFTER_S = 30.0
_MIB = 1 << 20


def task_options(
    settings: Settings, pages: str | None, dpi: int | None, callback_url: str | None
) -> TaskOptions:
    """The options of a submission; an empty field counts as absent.

    Raises:
        InvalidRequest: ``pages`` is malformed or past ``OCR_MAX_PAGES``, or
            ``callback_url`` is not an http(s) URL the service may call.
    """
    normalized = None
    if pages:
        try:
            normalized = format_pages(parse_pages(pages, max_page=settings.max_pages))
        except ValueError as exc:
            raise InvalidRequest.field("pages", str(exc)) from exc
    if callback_url:
        try:
            check_url(callback_url, allow_private=settings.webhook_allow_private)
        except WebhookRefused as exc:
            raise InvalidRequest.field("callback_url", str(exc)) from exc
    return TaskOptions(pages=normalized, dpi=dpi, callback_url=callback_url or None)


def accept(
    services: TaskService,
    data: bytes,
    *,
    filename: str,
    doc_type: str,
    owner: str | None,
    options: TaskOptions,
    idempotency_key: str | None,
) -> str:
    """Store an upload and queue its task, or find the task its ``idempotency_key``
    (sent with the API key ``owner``) already stands for; its task id.

    Raises:
        IdempotencyConflict: the key was used, with this API key, for another file.
        ServiceBusy: too many documents or bytes are waiting.
        ServiceUnavailable: the queue could not be reached or, under Sentinel, no replica
            acknowledged the stored upload in time.
    """
    store, digest = services.store, hashlib.sha256(data).hexdigest()
    name = None
    if idempotency_key is not None:
        name = store.idempotency.name(owner, idempotency_key)
        earlier = store.idempotency.find(name)
        if earlier is not None and store.exists(earlier.task_id):
            return _repeat(services, earlier, digest)
        if earlier is not None:  # its task has expired or was deleted
            store.idempotency.release(earlier.key, earlier.task_id)
    _admit(services, len(data))
    task_id = str(uuid.uuid4())
    store.create(
        task_id,
        data,
        filename=filename,
        doc_type=doc_type,
        owner=owner,
        options=options,
        idempotency=name,
    )
    if name is not None:
        claim = store.idempotency.claim(name, task_id=task_id, sha256=digest)
        if not claim.new:  # a concurrent request with the same key came first
            store.forget(task_id)
            return _repeat(services, claim, digest)
    try:
        _wait_for_replica(services)
        queue_task(services, task_id)
    except ServiceUnavailable:
        store.forget_idempotency(task_id)
        store.forget(task_id)
        raise
    return task_id


def resend_if_stalled(services: TaskService, task_id: str) -> bool:
    """Queue a task whose API process died between storing and queueing it, once, if it
    was stored over ``STALLED_AFTER_S`` ago; whether this call queued it.

    Raises:
        ServiceUnavailable: the queue could not be reached (the next call tries again).
    """
    if not services.store.take_stalled(task_id, older_than_s=STALLED_AFTER_S):
        return False
    try:
        queue_task(services, task_id)
    except ServiceUnavailable:
        services.store.unqueued(task_id)
        raise
    return True


def queue_task(services: TaskService, task_id: str) -> None:
    """Put the task's message on the queue, and record that it is there.

    Raises:
        ServiceUnavailable: the queue could not be reached.
    """
    send_message(services, task_id)
    try:
        services.store.queued(task_id)
    except redis.RedisError as exc:
        # The task is on the queue, so the client gets its 202 (a 503 would have it submit
        # again). Its record still says sending; take_stalled reads that as queued once a
        # worker has received the task. Only the submissions counter misses it.
        log.warning("task queued but not recorded as queued: %s", exc, extra={"task": task_id})


def send_message(services: TaskService, task_id: str) -> None:
    """Put the task's message on the queue, and nothing else: a task queued before, whose
    message was lost, is not counted or numbered again.

    Raises:
        ServiceUnavailable: the queue could not be reached.
    """
    try:
        services.celery.send_task(PROCESS_TASK, task_id=task_id, queue=QUEUE)
    except Exception as exc:
        raise ServiceUnavailable("The task queue is unreachable; try again shortly.") from exc


def _wait_for_replica(services: TaskService) -> None:
    """Under Sentinel, make sure a replica holds the upload, its record and its claim
    before the task is queued, so that a failover now cannot lose them.

    Raises:
        ServiceUnavailable: no replica acknowledged them within ``OCR_SENTINEL_WAIT_MS``.
    """
    try:
        if replicated(services.store.client, services.settings):
            return
    except redis.RedisError as exc:
        raise ServiceUnavailable("Redis is unreachable; try again shortly.") from exc
    raise ServiceUnavailable("No Redis replica acknowledged the upload in time; try again shortly.")


def _repeat(services: TaskService, claim: IdempotencyClaim, digest: str) -> str:
    if claim.sha256 != digest:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different file; use a new key."
        )
    resend_if_stalled(services, claim.task_id)
    return claim.task_id


def _admit(services: TaskService, size: int) -> None:
    """Refuse an upload while too many documents or bytes wait (503 with Retry-After)."""
    settings, store = services.settings, services.store
    if store.pending(QUEUE) >= settings.max_queued:
        raise ServiceBusy(f"{settings.max_queued} documents are already waiting; try again later.")
    if store.held_bytes() + size > settings.max_stored_mb * _MIB:
        raise ServiceBusy(
            f"Uploads waiting to be processed fill the {settings.max_stored_mb} MiB allowed; "
            "try again later."
        )
