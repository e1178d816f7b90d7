"""A stored upload opened as the worker opens it: the same limits, PDF pages rendered at
the task's ``dpi`` (else ``OCR_DPI``), only the pages asked for. The worker reads its
pages from it, the API the page images it serves."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ocr_inference.documents import Document, Limits, Page, open_document
from ocr_inference.errors import UploadMissing
from ocr_inference.schemas import PageInfo
from ocr_inference.tasks.store import TaskStore


def open_upload(
    store: TaskStore,
    task_id: str,
    limits: Limits,
    *,
    dpi: float | None = None,
    text_layer: bool = False,
    select: Sequence[int] | None = None,
) -> Document:
    """The upload of ``task_id``, validated and ready to be decoded page by page (see
    ``open_document``), its PDF pages rendered at ``dpi`` when given.

    Raises:
        UploadMissing: the upload is no longer stored.
        InputError: the upload cannot be opened under ``limits``.
    """
    data = store.load_blob(task_id)
    if data is None:
        raise UploadMissing("The uploaded file is no longer stored; submit it again.")
    return open_document(data, limits, dpi=dpi, text_layer=text_layer, select=select)


def page_images(
    store: TaskStore, task_id: str, limits: Limits, pages: list[PageInfo]
) -> Iterator[Page]:
    """The result's ``pages`` (ascending) decoded from the stored upload one at a time, at
    the dpi their boxes were measured at.

    The upload is fetched and opened now, so that its errors come before a streamed answer
    starts; the pages are decoded as they are iterated.

    Raises:
        UploadMissing: the upload is no longer stored.
        InputError: the upload cannot be opened under ``limits``.
    """
    dpi = next((page.dpi for page in pages if page.dpi), None)
    document = open_upload(
        store, task_id, limits, dpi=dpi, select=[page.page_number - 1 for page in pages]
    )
    return _decoded(document)


def _decoded(document: Document) -> Iterator[Page]:
    try:
        yield from document.pages
    finally:
        document.close()
