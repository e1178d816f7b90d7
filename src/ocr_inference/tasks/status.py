"""Celery's view of a task as the public TaskStatus contract, and a succeeded task's result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery, states
from celery.result import AsyncResult

from ocr_inference.errors import NotFound, ResultNotReady, TaskCancelled
from ocr_inference.exports.pages import select_page
from ocr_inference.schemas import (
    DocumentResult,
    ErrorResult,
    PageInfo,
    Progress,
    TaskState,
    TaskStatus,
)
from ocr_inference.tasks.failures import error_result
from ocr_inference.tasks.service import TaskService
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


_CANCELLED = ErrorResult(error=TaskCancelled.MESSAGE, code=TaskCancelled.code)


def read_status(
    celery: Celery,
    task_id: str,
    pending_tasks: int,
    pages: PageProgress | None = None,
    *,
    cancelled: bool = False,
    ended_code: Callable[[], str | None] | None = None,
) -> TaskStatus:
    """The public status of ``task_id``; ``pages`` is its progress, counted by workers,
    ``cancelled`` whether a client cancelled it before it ended, and ``ended_code`` reads
    the code a worker ended it with (see ``failures.error_result``)."""
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
        payload = error_result(result.result, ended_code)
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
        NotFound: the result has no such page.
    """
    if page_number is None or not isinstance(status.result, DocumentResult):
        return status
    page = select_page(status.result, page_number)
    if page is None:
        raise NotFound(f"Page {page_number} is not in the result.")
    return status.model_copy(update={"result": page})


def succeeded_result(tasks: TaskService, task_id: str, owner: str | None) -> DocumentResult:
    """The result of ``task_id``.

    Raises:
        NotFound: the id is unknown, expired or another API key's.
        ResultNotReady: the task is pending, running or failed.
    """
    store = tasks.known(task_id, owner)
    status = read_status(tasks.celery, task_id, 0, cancelled=store.cancelled(task_id))
    if not isinstance(status.result, DocumentResult):
        raise ResultNotReady(f"The task is {status.status}; downloads need a SUCCESS result.")
    return status.result


def result_page(result: DocumentResult, page_number: int) -> list[PageInfo]:
    """The page information of page ``page_number`` of ``result``, as a one-item list.

    Raises:
        NotFound: the result has no such page.
    """
    info = [page for page in result.pages if page.page_number == page_number]
    if not info:
        raise NotFound(f"Page {page_number} is not in the result.")
    return info


def final_status(tasks: TaskService, task_id: str) -> TaskStatus:
    """The status of ``task_id`` as the results route reads it, without the counts that
    only a poll needs (``pending_tasks`` is 0): what an event stream ends with."""
    store = tasks.store
    return read_status(
        tasks.celery,
        task_id,
        0,
        cancelled=store.cancelled(task_id),
        ended_code=lambda: store.ended_code(task_id),
    )


def with_queue_position(status: TaskStatus, tasks: TaskService) -> TaskStatus:
    """``status`` with its ``queue_position`` while it is PENDING (see
    ``tasks.queue_order``), at most the documents waiting or running besides it."""
    if status.status != "PENDING":
        return status
    position = tasks.store.queue_position(status.task_id)
    if position is not None:
        position = min(position, max(status.pending_tasks - 1, 0))
    return status.model_copy(update={"queue_position": position})
