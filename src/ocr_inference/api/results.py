"""A succeeded task's result and its page images, for the routes that derive downloads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ocr_inference.api.deps import known_task_store
from ocr_inference.api.services import Services
from ocr_inference.api.task_status import read_status
from ocr_inference.documents import Document, DocumentType, Page, detect_type, open_document
from ocr_inference.errors import ResultNotReady, UploadMissing
from ocr_inference.schemas import DocumentResult, PageInfo


def succeeded_result(services: Services, task_id: str, owner: str | None) -> DocumentResult:
    """The result of ``task_id``.

    Raises:
        HTTPException: 404, the id is unknown, expired or another API key's.
        ResultNotReady: the task is pending, running or failed (409).
    """
    store = known_task_store(services, task_id, owner)
    status = read_status(services.celery, task_id, 0, cancelled=store.cancelled(task_id))
    if not isinstance(status.result, DocumentResult):
        raise ResultNotReady(f"The task is {status.status}; downloads need a SUCCESS result.")
    return status.result


def page_images(services: Services, task_id: str, pages: list[PageInfo]) -> Iterator[Page]:
    """The result's ``pages`` (ascending) decoded from the stored upload one at a time, as
    the worker did: same limits, PDF pages rendered at the dpi their boxes were measured at
    (the task's ``dpi`` option, or the worker's ``OCR_DPI``), only the pages asked for.

    The upload is fetched and opened now, so that its errors come before a streamed answer
    starts; the pages are decoded as they are iterated.

    Raises:
        UploadMissing: the upload is no longer stored (410).
        InputError: the upload cannot be opened under the API's limits.
    """
    data = services.store.load_blob(task_id)
    if data is None:
        raise UploadMissing("The uploaded file is no longer stored.")
    limits = services.settings.limits()
    dpi = next((page.dpi for page in pages if page.dpi), None)
    if dpi is not None and detect_type(data) is DocumentType.PDF:
        limits = replace(limits, dpi=round(dpi))
    document = open_document(data, limits, select=[page.page_number - 1 for page in pages])
    return _decoded(document)


def _decoded(document: Document) -> Iterator[Page]:
    try:
        yield from document.pages
    finally:
        document.close()
