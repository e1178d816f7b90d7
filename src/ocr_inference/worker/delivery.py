"""The webhook of a document that has ended: queued once, when it ends, and sent by its
own task (``ocr_inference.send_webhook``), which retries with backoff."""

from __future__ import annotations

import logging

import httpx
from celery import current_app, states

from ocr_inference.tasks.queue import WEBHOOK_QUEUE, WEBHOOK_TASK
from ocr_inference.tasks.webhooks import WebhookRefused, deliver
from ocr_inference.worker.runtime import WorkerRuntime, get_runtime

log = logging.getLogger("ocr_inference.worker")


class ResultNotStored(Exception):
    """The document's result is not in the backend yet (it is stored just after the task
    that ended it returns); the webhook is tried again, so the receiver can read it."""


def notify(runtime: WorkerRuntime, document_id: str, error_code: str | None) -> None:
    """Queue the webhook of a document that has just ended, once, if it has a
    ``callback_url``. Never raises: the document's result matters more."""
    try:
        url = runtime.store.options(document_id).callback_url
        if url is None or not runtime.store.claim_webhook(document_id):
            return
        status = "SUCCESS" if error_code is None else "FAILURE"
        current_app.send_task(
            WEBHOOK_TASK, args=(document_id, url, status, error_code), queue=WEBHOOK_QUEUE
        )
    except Exception as exc:  # Redis or the broker is unreachable
        log.warning("webhook not queued: %s", exc)


def send(task_id: str, url: str, status: str, code: str | None, *, last_try: bool) -> None:
    """Body of ``send_webhook``: POST ``{task_id, status[, code]}`` to ``url``, once the
    document's result can be read. After the ``last_try`` fails, the webhook is given up
    with a warning; the result stays readable by polling.

    Raises:
        ResultNotStored: the result is not stored yet (retried).
        httpx.HTTPError: the receiver failed or was unreachable (retried).
    """
    if current_app.backend.get_task_meta(task_id)["status"] not in states.READY_STATES:
        raise ResultNotStored(f"The result of {task_id} is not stored yet.")
    settings = get_runtime().settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    payload = {"task_id": task_id, "status": status}
    if code is not None:
        payload["code"] = code
    try:
        deliver(url, payload, secret=secret, allow_private=settings.webhook_allow_private)
    except WebhookRefused as exc:  # the host now resolves to a refused address
        log.warning("webhook refused: %s", exc, extra={"document": task_id})
        return
    except httpx.HTTPError as exc:
        if not last_try:
            raise
        log.warning("webhook given up: %s", exc, extra={"document": task_id})
        return
    log.info("webhook sent", extra={"document": task_id, "status": status})
