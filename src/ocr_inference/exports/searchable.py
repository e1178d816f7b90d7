"""The searchable PDF of a result, built on what was uploaded: the uploaded PDF with a text
layer on its OCR pages (``pdf_graft``), or an image upload's own frames (``pdf_images``);
the rendered PDF (``pdf``) where the uploaded PDF cannot be written back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ocr_inference.documents import DocumentType, Limits, detect_type
from ocr_inference.exports.pdf import PdfPage, iter_pdf
from ocr_inference.exports.pdf_graft import GraftFailed, graft
from ocr_inference.exports.pdf_images import iter_image_pdf
from ocr_inference.schemas import DocumentResult


@dataclass(frozen=True)
class SearchablePdf:
    """The PDF in pieces; ``fallback`` says why the pages are rendered images instead of
    the uploaded PDF's own, or is None."""

    chunks: Iterator[bytes]
    fallback: str | None = None


def searchable_pdf(
    original: bytes,
    result: DocumentResult,
    limits: Limits,
    rendered: Callable[[], Iterable[PdfPage]],
) -> SearchablePdf:
    """The searchable PDF of ``result`` over the uploaded file ``original``; ``rendered``
    gives the page images of the rendered PDF, asked for only when it is the fallback.

    Raises:
        InputError: an image upload cannot be opened under ``limits``.
    """
    if not result.pages:
        return SearchablePdf(iter_pdf(result, ()))
    if detect_type(original) is not DocumentType.PDF:
        return SearchablePdf(iter_image_pdf(original, result, limits))
    try:
        return SearchablePdf(iter((graft(original, result),)))
    except GraftFailed as exc:
        return SearchablePdf(iter_pdf(result, rendered()), str(exc))
