"""Submit documents and read their results."""

from __future__ import annotations

import re
from typing import Annotated, Any

from celery import states
from celery.result import AsyncResult
from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    Query,
    UploadFile,
    status,
)

from ocr_inference.api.deps import OwnerDep, ServicesDep, get_owner
from ocr_inference.api.event_stream import MEDIA_TYPE, EventStreamResponse, open_events
from ocr_inference.documents import detect_type
from ocr_inference.errors import UploadTooLarge
from ocr_inference.schemas import Problem, TaskAccepted, TaskStatus
from ocr_inference.tasks.queue import QUEUE
from ocr_inference.tasks.status import only_page, read_status, with_queue_position
from ocr_inference.tasks.submission import accept, resend_if_stalled, task_options

# every route here needs a valid X-API-Key once keys are configured
router = APIRouter(prefix="/api/v1/ocr", tags=["ocr"], dependencies=[Depends(get_owner)])

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (400, 401, 413, 415, 422, 503)
}
_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (401, 404, 503)
}
# the answers of a route whose own media type is not JSON (the event stream)
_PROBLEM_JSON: dict[str, Any] = {
    "description": "Problem",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
_CHUNK = 1 << 20


def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := upload.file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(f"The upload exceeds the limit of {limit // _CHUNK} MiB.")
        chunks.append(chunk)
    return b"".join(chunks)


def _safe_name(name: str | None) -> str:
    """The base name of a client's file name, without control characters; never a path,
    nor ``.`` or ``..``."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base)[:255]
    return base if base.strip(".") else "upload"


@router.post(
    "/process",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=_ERRORS,
)
def process(
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, TIFF, BMP or WebP")],
    services: ServicesDep,
    owner: OwnerDep,
    pages: Annotated[
        str | None, Form(max_length=1000, description="1-based pages, such as 1-3,7; all if unset")
    ] = None,
    dpi: Annotated[
        int | None, Form(ge=72, le=600, description="PDF render resolution; OCR_DPI if unset")
    ] = None,
    callback_url: Annotated[
        str | None, Form(max_length=2048, description="http(s) URL POSTed when the task ends")
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=255, description="Repeat-safe submission"),
    ] = None,
) -> TaskAccepted:
    """Queue a document for OCR; poll the results route with the returned task id."""
    data = _read_limited(file, services.settings.max_upload_bytes)
    task_id = accept(
        services,
        data,
        filename=_safe_name(file.filename),
        doc_type=detect_type(data),
        owner=owner,
        options=task_options(services.settings, pages, dpi, callback_url),
        idempotency_key=idempotency_key,
    )
    return TaskAccepted(task_id=task_id)


@router.get(
    "/results/{task_id}",
    response_model=TaskStatus,
    response_model_exclude_none=False,
    responses={**_READ_ERRORS, 422: {"model": Problem}},  # 422: a bad ?page
)
def results(
    task_id: str,
    services: ServicesDep,
    owner: OwnerDep,
    page: Annotated[int | None, Query(ge=1, description="Only this page's part.")] = None,
) -> TaskStatus:
    """Status of a task and, once it has ended, its result or error. With ``page``, the
    result holds that page's detections, pages, layout, tables and markdown only (block
    indexes renumbered within the page); 404 for a page not in the result."""
    store = services.known(task_id, owner)
    answer = read_status(
        services.celery,
        task_id,
        store.pending(QUEUE),
        store.progress(task_id),
        cancelled=store.cancelled(task_id),
        ended_code=lambda: store.ended_code(task_id),
    )
    if answer.status == "PENDING":
        resend_if_stalled(services, task_id)
    return only_page(with_queue_position(answer, services), page)


@router.get(
    "/results/{task_id}/events",
    response_class=EventStreamResponse,
    status_code=status.HTTP_200_OK,
    responses={
        200: {"content": {MEDIA_TYPE: {}}, "description": "progress, page and end events"},
        **dict.fromkeys((401, 404, 429, 503), _PROBLEM_JSON),
    },
)
async def events(
    task_id: str,
    services: ServicesDep,
    owner: OwnerDep,
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", description="Resume after this event's page"),
    ] = None,
) -> EventStreamResponse:
    """Server-sent events of a task: ``progress``, one ``page`` per page as soon as it is
    done (block indexes within the page, as with ``?page``), and a last ``end`` with the
    status (``error`` and ``code`` on failure); docs/api.md has the details."""
    return await open_events(services, task_id, owner, last_event_id)


@router.delete(
    "/results/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_READ_ERRORS,
)
def delete(task_id: str, services: ServicesDep, owner: OwnerDep) -> None:
    """Cancel a task that has not ended (it stops before its next page and then reads as
    FAILURE ``cancelled``), or delete a finished one's result (its id then answers 404).
    Either way its upload is deleted."""
    store = services.known(task_id, owner)
    result: AsyncResult[Any] = AsyncResult(task_id, app=services.celery)
    if result.state in states.READY_STATES:
        result.forget()
        store.forget_idempotency(task_id)
        store.forget(task_id)
    else:
        store.cancel(task_id)
