"""PDF pages rendered with pypdfium2, after page count and page sizes have been checked;
their text layer read too when asked for (``text_layer``)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ocr_inference.documents.page import Limits, Page, check_page_size, selected
from ocr_inference.documents.text_layer import TextLayer, read_text_layer
from ocr_inference.errors import CorruptDocument, EncryptedDocument, TooManyPages

_POINTS_PER_INCH = 72.0


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open a PDF or raise the error that says why it cannot be read."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        # PDFium's last-error code is not reset between documents, so a stale "password"
        # code is only believed when the file has an encryption dictionary.
        if code == pdfium_c.FPDF_ERR_PASSWORD and b"/Encrypt" in data:
            raise EncryptedDocument("The PDF is encrypted and needs a password.") from exc
        if code in (pdfium_c.FPDF_ERR_SUCCESS, pdfium_c.FPDF_ERR_PASSWORD):
            # PDFium refuses a page tree with no pages without setting an error of its own
            raise CorruptDocument("The PDF cannot be read: it has no usable pages.") from exc
        raise CorruptDocument(f"The PDF cannot be read: {exc}") from exc


def check_pdf(pdf: pdfium.PdfDocument, limits: Limits) -> list[tuple[int, int]]:
    """Validate page count and rendered sizes; return each page's pixel size."""
    count = len(pdf)
    if count == 0:
        raise CorruptDocument("The PDF has no pages.")
    if count > limits.max_pages:
        raise TooManyPages(f"The PDF has {count} pages; the limit is {limits.max_pages}.")
    scale = limits.dpi / _POINTS_PER_INCH
    sizes = []
    for index in range(count):
        try:
            width_pt, height_pt = pdf.get_page_size(index)
        except (pdfium.PdfiumError, ValueError) as exc:
            raise CorruptDocument(f"Page {index + 1} of the PDF cannot be read.") from exc
        width, height = round(width_pt * scale), round(height_pt * scale)
        check_page_size(limits, index + 1, width, height, rendered_at=limits.dpi)
        sizes.append((width, height))
    return sizes


def iter_pdf_pages(
    data: bytes, limits: Limits, *, text_layer: bool = False, select: Sequence[int] | None = None
) -> tuple[int, Iterator[Page]]:
    """Check the whole PDF, then return its page count and a lazy page renderer of the
    pages whose 0-based index is in ``select`` (all by default); with ``text_layer``, each
    page also carries what its text layer holds."""
    pdf = open_pdf(data)
    try:
        count = len(check_pdf(pdf, limits))
    except Exception:
        pdf.close()
        raise

    def render() -> Iterator[Page]:
        try:
            for index in selected(select, count):
                image, layer = _render(pdf, index, limits.dpi, text_layer)
                yield Page(index + 1, image, float(limits.dpi), layer)
        finally:
            pdf.close()

    return count, render()


def pdf_subsets(data: bytes, groups: Sequence[Sequence[int]]) -> Iterator[bytes | None]:
    """For each group of 0-based page indexes, a PDF of those pages in that order (their
    content, text and resources copied by PDFium), or None where PDFium cannot copy them."""
    source = open_pdf(data)
    try:
        for indexes in groups:
            yield _subset(source, indexes)
    finally:
        source.close()


def _subset(source: pdfium.PdfDocument, indexes: Sequence[int]) -> bytes | None:
    target = pdfium.PdfDocument.new()
    try:
        target.import_pages(source, list(indexes))
        if len(target) != len(indexes):
            return None
        buffer = io.BytesIO()
        target.save(buffer)
        return buffer.getvalue()
    except (pdfium.PdfiumError, ValueError):
        return None
    finally:
        target.close()


def _render(
    pdf: pdfium.PdfDocument, index: int, dpi: int, text_layer: bool
) -> tuple[np.ndarray, TextLayer | None]:
    try:
        page = pdf[index]
        try:
            bitmap = page.render(scale=dpi / _POINTS_PER_INCH, rev_byteorder=True)
            image = np.array(bitmap.to_numpy()[:, :, :3], dtype=np.uint8, copy=True)
            layer = _read_layer(page, image) if text_layer else None
        finally:
            page.close()
    except pdfium.PdfiumError as exc:
        raise CorruptDocument(f"Page {index + 1} of the PDF cannot be rendered: {exc}") from exc
    return image, layer


def _read_layer(page: pdfium.PdfPage, image: np.ndarray) -> TextLayer:
    """The page's text layer; a page whose text pdfium cannot read is OCRed, not refused."""
    try:
        return read_text_layer(page, (image.shape[1], image.shape[0]))
    except pdfium.PdfiumError as exc:
        return TextLayer(reason=f"the text layer cannot be read: {exc}")
