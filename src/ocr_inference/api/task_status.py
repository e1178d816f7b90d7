"""Translate Celery's view of a task into the public TaskStatus contract."""

from __future__ import annotations

from typing import Any

from celery import Celery, states
from celery.result import AsyncResult
from fastapi import HTTPException

from ocr_inference.exports.pages import select_page
from ocr_inference.schemas import DocumentResult, ErrorResult, Progress, TaskState, TaskStatus
from ocr_inference.tasks.failures import error_result
from ocr_inference.tasks.store import PageProgress

_STATE_MAP: dict[str, TaskState] = {
    states.PENDING: "PENDING",
    states.RECEIVED: "PENDING",
    states.RETRY: "PENDING",  # a worker died; the task is queued again
    states.STARTED: "STARTED",
    states.SUCCESS: "SUCCESS",
    states.FAILURE: "FAILURE",
    states.REVOKED: "FAILURE",
}


_CANCELLED = ErrorResult(error="The task was cancelled.", code="cancelled")


def read_status(
    celery: Celery,
    task_id: str,
    pending_tasks: int,
    pages: PageProgress | None = None,
    *,
    cancelled: bool = False,
) -> TaskStatus:
    """The public status of ``task_id``; ``pages`` is its progress, counted by workers, and
    ``cancelled`` whether a client cancelled it before it ended."""
    if cancelled:
        return TaskStatus(
            task_id=task_id, status="FAILURE", result=_CANCELLED, pending_tasks=pending_tasks
        )
    result: AsyncResult[Any] = AsyncResult(task_id, app=celery)
    raw_state = str(result.state)
    state = _STATE_MAP.get(raw_state, "STARTED")
    payload: DocumentResult | ErrorResult | None = None
    progress: Progress | None = None
    if raw_state == states.REVOKED:
        payload = _CANCELLED
    elif state == "SUCCESS":
        payload = DocumentResult.model_validate(result.result)
    elif state == "FAILURE":
        payload = error_result(result.result)
    elif state == "STARTED" and pages is not None:
        progress = Progress(pages_done=pages.done, pages_total=pages.total)
    return TaskStatus(
        task_id=task_id,
        status=state,
        result=payload,
        pending_tasks=pending_tasks,
        progress=progress,
    )


def only_page(status: TaskStatus, page_number: int | None) -> TaskStatus:
    """``status`` with its result cut down to page ``page_number`` (when given and the task
    has succeeded); see ``exports.select_page``.

    Raises:
        HTTPException: 404, the result has no such page.
    """
    if page_number is None or not isinstance(status.result, DocumentResult):
        return status
    page = select_page(status.result, page_number)
    if page is None:
        raise HTTPException(404, f"Page {page_number} is not in the result.")
    return status.model_copy(update={"result": page})
