"""Bytes in, pages out: sniff the type, check limits from headers, then decode lazily."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ocr_inference.documents.images import iter_image_pages
from ocr_inference.documents.page import Limits, Page
from ocr_inference.documents.pdf import iter_pdf_pages
from ocr_inference.documents.sniff import SNIFF_BYTES, DocumentType, sniff_type
from ocr_inference.errors import EmptyFile, InvalidPages, UnsupportedType


@dataclass
class Document:
    """A validated document: its type, page count and a one-shot iterator over the pages
    asked for (all, unless ``open_document`` was given ``select``)."""

    type: DocumentType
    page_count: int
    pages: Iterator[Page]

    def close(self) -> None:
        """Release the decoder of pages not iterated over."""
        close = getattr(self.pages, "close", None)
        if close is not None:
            close()


def detect_type(data: bytes) -> DocumentType:
    """Type of the document, or the error the API would answer with."""
    if not data:
        raise EmptyFile("The file is empty.")
    kind = sniff_type(data[:SNIFF_BYTES])
    if kind is None:
        raise UnsupportedType(
            "Unsupported file type: expected PDF, PNG, JPEG, TIFF, BMP or WebP content."
        )
    return kind


def open_document(
    data: bytes,
    limits: Limits | None = None,
    *,
    dpi: float | None = None,
    text_layer: bool = False,
    select: Sequence[int] | None = None,
) -> Document:
    """Validate a document completely and return it ready to be decoded page by page.

    PDF pages are rendered at ``dpi`` when given, else at ``limits.dpi``.
    With ``text_layer``, PDF pages also carry their text layer (``Page.text_layer``).
    With ``select`` (0-based page indexes), only those pages are decoded, in that order;
    the whole document is validated all the same and ``page_count`` counts every page. A
    ``range`` is cut to the pages the document has; any other sequence must name only
    pages it has.

    Raises:
        InputError: a subclass naming why the document cannot be processed;
            ``InvalidPages`` when ``select`` names a page the document lacks.
    """
    limits = limits or Limits()
    if dpi:
        limits = replace(limits, dpi=round(dpi))
    kind = detect_type(data)
    if kind is DocumentType.PDF:
        count, pages = iter_pdf_pages(data, limits, text_layer=text_layer, select=select)
    else:
        count, pages = iter_image_pages(data, limits, select=select)
    document = Document(kind, count, pages)
    if select is not None and not isinstance(select, range):
        missing = [index + 1 for index in select if not 0 <= index < count]
        if missing:
            document.close()
            pages_word = "page" if count == 1 else "pages"
            raise InvalidPages(
                f"The document has {count} {pages_word}; there is no page {missing[0]}."
            )
    return document
