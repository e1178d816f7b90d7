"""A succeeded task's result and its page images, for the routes that derive downloads."""

from __future__ import annotations

from collections.abc import Iterator

from ocr_inference.api.routes.ocr import _known
from ocr_inference.api.services import Services
from ocr_inference.api.task_status import read_status
from ocr_inference.documents import Page, open_document
from ocr_inference.errors import ResultNotReady, UploadMissing
from ocr_inference.schemas import DocumentResult


def succeeded_result(services: Services, task_id: str, owner: str | None) -> DocumentResult:
    """The result of ``task_id``.

    Raises:
        HTTPException: 404, the id is unknown, expired or another API key's.
        ResultNotReady: the task is pending, running or failed (409).
    """
    store = _known(services, task_id, owner)
    status = read_status(services.celery, task_id, 0, cancelled=store.cancelled(task_id))
    if not isinstance(status.result, DocumentResult):
        raise ResultNotReady(f"The task is {status.status}; downloads need a SUCCESS result.")
    return status.result


def page_images(services: Services, task_id: str, numbers: list[int]) -> Iterator[Page]:
    """The pages ``numbers`` (1-based, ascending) of the stored upload, decoded one at a time
    as the worker did: same limits, PDF pages rendered at the same dpi.

    Raises:
        UploadMissing: the upload is no longer stored (410).
    """
    data = services.store.load_blob(task_id)
    if data is None:
        raise UploadMissing("The uploaded file is no longer stored.")
    wanted = set(numbers)
    document = open_document(
        data, services.settings.limits(), select=range(min(numbers) - 1, max(numbers))
    )
    try:
        yield from (page for page in document.pages if page.number in wanted)
    finally:
        document.close()
