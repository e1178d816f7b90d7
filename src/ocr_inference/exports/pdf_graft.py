"""A searchable PDF built on the uploaded PDF itself, with pikepdf (qpdf).

The uploaded document is opened, its pages not in the result are removed, and each page
whose text came from OCR (``PageInfo.source``) gets the invisible text layer of
``pdf_text`` appended to its content; a page with its own text layer is left as it is,
since a second layer would double its words. Everything else (fonts, images, links, the
outline, metadata) is qpdf's to carry over: streams are written as they were read
(``StreamDecodeLevel.none``; a PDF encrypted with an owner password only is decrypted and
encrypted again with its own settings), and the document's producer gains this
software's name.

pikepdf, not pypdfium2: pdfium edits a page by regenerating its whole content stream from
the objects it parsed, and saves only what it understood; qpdf copies every object it
does not touch byte for byte, which is what "the original plus a text layer" means (and
what OCRmyPDF builds on).
"""

from __future__ import annotations

import io

import pikepdf
import pypdfium2 as pdfium

from ocr_inference import __version__
from ocr_inference.exports.pdf_text import Placement, text_operators
from ocr_inference.exports.pdf_writer import FONT_NAME, font_pdf
from ocr_inference.schemas import DocumentResult, PageInfo

PRODUCER = f"ocr-inference {__version__}"
_POINTS_PER_INCH = 72.0


class GraftFailed(Exception):
    """The uploaded PDF cannot be written back with a text layer (the caller then writes
    the rendered PDF instead); the message says why."""


def graft(original: bytes, result: DocumentResult) -> bytes:
    """The uploaded PDF ``original`` with only the result's pages, in their order in the
    document, and an invisible text layer on those whose text came from OCR.

    Raises:
        GraftFailed: qpdf cannot read or write the document, or pdfium cannot read what
            qpdf wrote.
    """
    try:
        output = _grafted(original, result)
    except (pikepdf.PdfError, pikepdf.ForeignObjectError, ValueError, KeyError, TypeError) as exc:
        raise GraftFailed(f"{type(exc).__name__}: {exc}") from exc
    _check_readable(output, len(result.pages))
    return output


def _grafted(original: bytes, result: DocumentResult) -> bytes:
    wanted = {page.page_number: page for page in result.pages}
    # qpdf copies a foreign stream's data when it writes: the font's PDF stays open till then
    with pikepdf.open(io.BytesIO(original)) as pdf, pikepdf.open(io.BytesIO(font_pdf())) as fonts:
        if any(number > len(pdf.pages) for number in wanted):
            raise GraftFailed("qpdf finds fewer pages than the result has")
        font = None
        for index, page in enumerate(pdf.pages):
            info = wanted.get(index + 1)
            if info is None or info.source != "ocr":
                continue
            if font is None:
                font = pdf.copy_foreign(fonts.pages[0].Resources.Font["/" + FONT_NAME])
            _add_text_layer(page, font, result, info)
        for index in reversed(range(len(pdf.pages))):
            if index + 1 not in wanted:
                del pdf.pages[index]
        _note_producer(pdf)
        buffer = io.BytesIO()
        if pdf.is_encrypted:
            # opened without a password (an owner password only): its encryption and
            # restrictions are copied, not dropped; qpdf then decrypts and re-encrypts
            pdf.save(buffer, encryption=True)
        else:
            pdf.save(buffer, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return buffer.getvalue()


def _add_text_layer(
    page: pikepdf.Page, font: pikepdf.Object, result: DocumentResult, info: PageInfo
) -> None:
    """The page's words drawn after its own content, which is wrapped in ``q``..``Q`` so
    that whatever graphics state it leaves does not move them."""
    if "/Resources" not in page.obj:
        # inherited resources: the page gets its own copy, so its siblings stay as they are
        page.obj.Resources = pikepdf.Dictionary(dict(_inherited(page.obj, "/Resources").items()))
    name = page.add_resource(font, pikepdf.Name.Font, prefix="OCR")
    operators = text_operators(result, info.page_number, _placement(page, info), str(name)[1:])
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"\nQ\n" + operators + b"\n")


def _placement(page: pikepdf.Page, info: PageInfo) -> Placement:
    """Where the result's pixels lie in the page's own coordinate system: the page as
    pdfium rendered it (its CropBox within its MediaBox, turned by ``/Rotate``) at the
    result's dpi, or at the scale its pixel size gives where the result has no dpi."""
    x0, y0, x1, y1 = _visible_box(page)
    rotation = page.rotation % 360
    upright_width = (x1 - x0) if rotation in (0, 180) else (y1 - y0)
    s = _POINTS_PER_INCH / info.dpi if info.dpi else upright_width / info.width
    if rotation == 90:
        return Placement(0.0, s, s, 0.0, x0, y0)
    if rotation == 180:
        return Placement(-s, 0.0, 0.0, s, x1, y0)
    if rotation == 270:
        return Placement(0.0, -s, -s, 0.0, x1, y1)
    return Placement(s, 0.0, 0.0, -s, x0, y1)


def _visible_box(page: pikepdf.Page) -> tuple[float, float, float, float]:
    """The CropBox clipped to the MediaBox, as pdfium shows a page."""
    media = _normalised(page.mediabox)
    crop = _normalised(page.cropbox)
    box = (max(media[0], crop[0]), max(media[1], crop[1]), min(media[2], crop[2]))
    return (*box, min(media[3], crop[3]))


def _normalised(array: pikepdf.Object) -> tuple[float, float, float, float]:
    left, bottom, right, top = (float(value) for value in array)
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


def _note_producer(pdf: pikepdf.Pdf) -> None:
    """This software added to the document's producer, in its information dictionary
    and, where it has one, its XMP metadata."""
    before = str(pdf.docinfo.get("/Producer", "")).strip()
    producer = f"{before}; {PRODUCER}" if before else PRODUCER
    if "/Metadata" in pdf.Root:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdf:Producer"] = producer
    pdf.docinfo[pikepdf.Name.Producer] = producer


def _check_readable(output: bytes, pages: int) -> None:
    try:
        document = pdfium.PdfDocument(output)
    except pdfium.PdfiumError as exc:
        raise GraftFailed(f"pdfium cannot read the grafted PDF: {exc}") from exc
    try:
        if len(document) != pages:
            raise GraftFailed(f"pdfium finds {len(document)} pages, not {pages}")
    finally:
        document.close()


def _inherited(node: pikepdf.Object, key: str) -> pikepdf.Object:
    """``key`` of a page, or of the nearest node of the page tree above it that has it."""
    while key not in node and "/Parent" in node:
        node = node.Parent
    return node.get(key, pikepdf.Dictionary())
