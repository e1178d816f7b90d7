"""Downloads derived from a succeeded task: the result in other formats, and page images."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import StreamingResponse

from ocr_inference.api.deps import OwnerDep, ServicesDep, get_owner
from ocr_inference.errors import InvalidRequest
from ocr_inference.exports import draw_overlay, to_alto, to_chunks, to_hocr, to_png, to_text
from ocr_inference.exports.formats import CHUNK_CHARS, FORMATS, FormatName
from ocr_inference.schemas import DocumentResult, Problem
from ocr_inference.tasks.status import result_page, succeeded_result
from ocr_inference.tasks.uploads import page_images, upload_pdf

router = APIRouter(prefix="/api/v1/ocr", tags=["ocr"], dependencies=[Depends(get_owner)])

FALLBACK_HEADER = "X-OCR-PDF-Fallback"
"""Set (to ``rendered``) on a PDF export whose pages are rendered images, because the
uploaded PDF could not be written back with a text layer."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (401, 404, 409, 410, 422, 503)
}


@router.get(
    "/results/{task_id}/export",
    response_class=Response,
    responses={**_ERRORS, 200: {"content": {f.media_type: {} for f in FORMATS.values()}}},
)
def export(
    task_id: str,
    services: ServicesDep,
    owner: OwnerDep,
    format_: Annotated[FormatName, Query(alias="format")] = "json",
    max_chars: Annotated[
        int | None,
        Query(
            ge=CHUNK_CHARS.low,
            le=CHUNK_CHARS.high,
            description="Characters per chunk (format=chunks only); OCR_CHUNK_MAX_CHARS if unset",
        ),
    ] = None,
) -> Response:
    """A succeeded task's result as a file: JSON, plain text, Markdown, hOCR, ALTO, a
    searchable PDF (the uploaded document with an invisible text layer on its OCR pages;
    the header X-OCR-PDF-Fallback says when its pages had to be rendered instead) or
    chunks for retrieval."""
    if max_chars is not None and format_ != "chunks":
        raise InvalidRequest("max_chars applies to format=chunks only.")
    result = succeeded_result(services, task_id, owner)
    media_type, extension = FORMATS[format_].media_type, FORMATS[format_].extension
    headers = {"Content-Disposition": f'attachment; filename="{task_id}.{extension}"'}
    if format_ == "pdf":
        pdf = upload_pdf(services.store, task_id, services.settings.limits(), result)
        if pdf.fallback is not None:
            headers[FALLBACK_HEADER] = "rendered"
        return StreamingResponse(pdf.chunks, media_type=media_type, headers=headers)
    if format_ == "chunks":
        size = max_chars or services.settings.chunk_max_chars
        return Response(to_chunks(result, size), media_type=media_type, headers=headers)
    return Response(_render(result, format_), media_type=media_type, headers=headers)


def _render(result: DocumentResult, format_: str) -> bytes:
    if format_ == "json":
        return result.model_dump_json().encode()
    if format_ == "text":
        return to_text(result)
    if format_ == "markdown":
        return result.markdown.encode()
    if format_ == "alto":
        return to_alto(result)
    return to_hocr(result)


@router.get(
    "/results/{task_id}/pages/{page_number}.png",
    response_class=Response,
    responses={**_ERRORS, 200: {"content": {"image/png": {}}}},
)
def page_png(
    task_id: str,
    page_number: Annotated[int, Path(ge=1)],
    services: ServicesDep,
    owner: OwnerDep,
    overlay: bool = False,
) -> Response:
    """Page ``page_number`` of a succeeded task's upload as PNG, rendered as the worker saw
    it; with ``overlay=true``, its text lines (red) and layout blocks (blue) drawn on it."""
    result = succeeded_result(services, task_id, owner)
    info = result_page(result, page_number)
    (page,) = page_images(services.store, task_id, services.settings.limits(), info)
    image = draw_overlay(page.image, result, page_number) if overlay else page.image
    return Response(to_png(image), media_type="image/png")
