"""A stored upload opened as the worker opens it: the same limits, PDF pages rendered at
the task's ``dpi`` (else ``OCR_DPI``), only the pages asked for. The worker reads its
pages from it, the API the page images it serves. A split document's page ranges are
stored once as documents of their own (``store_ranges``), which their tasks open instead
of the whole upload. The searchable PDF is built on the stored upload (``upload_pdf``)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence

from ocr_inference.documents import Document, Limits, Page, open_document
from ocr_inference.documents.subset import page_subsets
from ocr_inference.errors import UploadMissing
from ocr_inference.exports.pdf import PdfPage
from ocr_inference.exports.searchable import SearchablePdf, searchable_pdf
from ocr_inference.schemas import DocumentResult, PageInfo
from ocr_inference.tasks.store import TaskStore

log = logging.getLogger("ocr_inference.tasks")


def open_upload(
    store: TaskStore,
    task_id: str,
    limits: Limits,
    *,
    dpi: float | None = None,
    text_layer: bool = False,
    select: Sequence[int] | None = None,
    part: tuple[int, int] | None = None,
) -> Document:
    """The upload of ``task_id``, validated and ready to be decoded page by page (see
    ``open_document``), its PDF pages rendered at ``dpi`` when given.

    With ``part``, the ``(first, stop)`` of a range of a split document whose pages are
    ``select``: the range as ``store_ranges`` stored it, if it did, its pages numbered as
    in the document, and its ``page_count`` theirs; else the upload.

    Raises:
        UploadMissing: the upload is no longer stored.
        InputError: the upload cannot be opened under ``limits``.
    """
    if part is not None and select is not None:
        stored = store.load_range(task_id, *part)
        if stored is not None:
            document = open_document(stored, limits, dpi=dpi, text_layer=text_layer)
            if document.page_count == len(select):
                return _renumbered(document, select)
            document.close()
    data = store.load_blob(task_id)
    if data is None:
        raise UploadMissing("The uploaded file is no longer stored; submit it again.")
    return open_document(data, limits, dpi=dpi, text_layer=text_layer, select=select)


def store_ranges(
    store: TaskStore, task_id: str, ranges: Sequence[tuple[int, int, Sequence[int]]]
) -> None:
    """Store each ``(first, stop, pages)`` of the split document ``task_id`` (its 0-based
    page indexes) as a document of its own for ``open_upload(part=(first, stop))``. One
    whose pages cannot be copied is not stored: its task reads the upload, and reports
    why its pages cannot be read.

    Raises:
        UploadMissing: the upload is no longer stored.
    """
    data = store.load_blob(task_id)
    if data is None:
        raise UploadMissing("The uploaded file is no longer stored; submit it again.")
    subsets = page_subsets(data, [pages for _, _, pages in ranges])
    parts = zip(ranges, subsets, strict=True)
    held = store.store_ranges(task_id, ((a, b, subset) for (a, b, _), subset in parts))
    log.info("ranges stored", extra={"document": task_id, "held": held})


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


def upload_pdf(
    store: TaskStore, task_id: str, limits: Limits, result: DocumentResult
) -> SearchablePdf:
    """The searchable PDF of a succeeded task, built on its stored upload (see
    ``searchable_pdf``); a fallback to the rendered pages is logged.

    Raises:
        UploadMissing: the upload is no longer stored.
        InputError: the upload cannot be opened under ``limits``.
    """
    data = store.load_blob(task_id)
    if data is None:
        raise UploadMissing("The uploaded file is no longer stored; submit it again.")

    def rendered() -> Iterator[PdfPage]:
        pages = page_images(store, task_id, limits, result.pages)
        return (PdfPage(page.number, page.image) for page in pages)

    pdf = searchable_pdf(data, result, limits, rendered)
    if pdf.fallback is not None:
        log.warning(
            "searchable PDF of rendered pages: the upload cannot be written back",
            extra={"document": task_id, "reason": pdf.fallback},
        )
    return pdf


def _decoded(document: Document) -> Iterator[Page]:
    try:
        yield from document.pages
    finally:
        document.close()


def _renumbered(document: Document, select: Sequence[int]) -> Document:
    """A range's document whose pages have their numbers in the whole document."""

    def pages() -> Iterator[Page]:
        try:
            for page, index in zip(document.pages, select, strict=False):
                yield dataclasses.replace(page, number=index + 1)
        finally:
            document.close()

    return Document(document.type, document.page_count, pages())
