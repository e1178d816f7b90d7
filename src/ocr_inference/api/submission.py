"""What a submission asks for besides its file: its options, checked, and the task its
``Idempotency-Key`` stands for."""

from __future__ import annotations

import hashlib

from fastapi.exceptions import RequestValidationError

from ocr_inference.config import Settings
from ocr_inference.errors import IdempotencyConflict
from ocr_inference.page_selection import format_pages, parse_pages
from ocr_inference.storage import IdempotencyClaim, TaskOptions, TaskStore
from ocr_inference.webhooks import WebhookRefused, check_url


def _invalid(field: str, reason: str) -> RequestValidationError:
    """A 422 ``invalid_request`` naming the form field, as FastAPI's own checks do."""
    return RequestValidationError([{"loc": ("body", field), "msg": reason, "type": "value_error"}])


def task_options(
    settings: Settings, pages: str | None, dpi: int | None, callback_url: str | None
) -> TaskOptions:
    """The options of a submission; an empty field counts as absent.

    Raises:
        RequestValidationError: ``pages`` is malformed or past ``OCR_MAX_PAGES``, or
            ``callback_url`` is not an http(s) URL the service may call.
    """
    normalized = None
    if pages:
        try:
            normalized = format_pages(parse_pages(pages, max_page=settings.max_pages))
        except ValueError as exc:
            raise _invalid("pages", str(exc)) from exc
    if callback_url:
        try:
            check_url(callback_url, allow_private=settings.webhook_allow_private)
        except WebhookRefused as exc:
            raise _invalid("callback_url", str(exc)) from exc
    return TaskOptions(pages=normalized, dpi=dpi, callback_url=callback_url or None)


def claim_key(
    store: TaskStore, owner: str | None, key: str, *, task_id: str, data: bytes
) -> IdempotencyClaim:
    """Claim ``key`` for a new ``task_id``, or the earlier task of the same file.

    Raises:
        IdempotencyConflict: the key was used, with this API key, for another file.
    """
    digest = hashlib.sha256(data).hexdigest()
    claim = store.claim_idempotency(owner, key, task_id=task_id, sha256=digest)
    if claim.sha256 != digest:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different file; use a new key."
        )
    return claim
