"""A searchable PDF drawn from page images: each page one image XObject with an invisible
text layer over its words (``pdf_text``).

``iter_pdf`` is the rendered PDF: each page image (as the worker saw it) encoded as JPEG.
``iter_drawn`` writes pages whose images are already encoded (``pdf_images`` embeds an
image upload's own frames that way). Objects are written out as they are made
(``pdf_writer``), so a long document never sits whole in memory.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from ocr_inference.exports.pdf_text import Placement, text_operators, upright
from ocr_inference.exports.pdf_writer import FONT_NAME, Writer, font_objects
from ocr_inference.schemas import DocumentResult

DEFAULT_DPI = 300.0  # for images that do not say theirs
_JPEG_QUALITY = 85
_POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class PdfPage:
    """A page image (RGB) for ``to_pdf``, with the number of the result's page it shows."""

    page_number: int
    image: npt.NDArray[np.uint8]


@dataclass(frozen=True)
class EncodedImage:
    """An image XObject's pixels as stored: ``entries`` are its dictionary's entries other
    than its size and length (colour space, bits, filter, decode parameters)."""

    width: int
    height: int
    entries: str
    data: bytes


@dataclass(frozen=True)
class DrawnPage:
    """A page of ``width_pt`` by ``height_pt`` points showing ``image``: ``matrix`` (the
    ``cm`` operands) maps the image's unit square onto the page, ``placement`` the
    result's pixel coordinates."""

    page_number: int
    image: EncodedImage
    width_pt: float
    height_pt: float
    matrix: tuple[float, float, float, float, float, float]
    placement: Placement


def to_pdf(result: DocumentResult, images: Iterable[PdfPage]) -> bytes:
    """The whole of ``iter_pdf``."""
    return b"".join(iter_pdf(result, images))


def iter_pdf(result: DocumentResult, images: Iterable[PdfPage]) -> Iterator[bytes]:
    """A PDF in pieces, with one page per image, sized from the image and the page's dpi
    (72 pt per inch), carrying the result's words of that page as invisible text.
    ``images`` is iterated once, and each page's pieces are handed out before the next image
    is taken, so a generator keeps one decoded page in memory at a time."""
    dpis = {p.page_number: p.dpi or DEFAULT_DPI for p in result.pages}
    return iter_drawn(result, (_drawn(page, dpis.get(page.page_number)) for page in images))


def iter_drawn(result: DocumentResult, pages: Iterable[DrawnPage]) -> Iterator[bytes]:
    """A PDF in pieces, one page per ``DrawnPage`` with the result's words of its page;
    each page's pieces are handed out before the next is taken."""
    writer = Writer()
    yield writer.header()
    font = yield from font_objects(writer)
    pages_id = writer.reserve()
    page_ids = []
    for page in pages:
        image = page.image
        image_id = writer.reserve()
        yield writer.write(
            image_id,
            f"<< /Type /XObject /Subtype /Image /Width {image.width} /Height {image.height} "
            f"{image.entries} /Length {len(image.data)} >>".encode(),
            image.data,
        )
        matrix = " ".join(f"{value:.4f}" for value in page.matrix)
        text = text_operators(result, page.page_number, page.placement, FONT_NAME)
        content = zlib.compress(f"q {matrix} cm /Im0 Do Q\n".encode() + text)
        content_id = writer.reserve()
        yield writer.write(
            content_id, f"<< /Length {len(content)} /Filter /FlateDecode >>".encode(), content
        )
        page_ids.append(writer.reserve())
        yield writer.write(
            page_ids[-1],
            f"<< /Type /Page /Parent {pages_id} 0 R "
            f"/MediaBox [0 0 {page.width_pt:.4f} {page.height_pt:.4f}] "
            f"/Resources << /Font << /{FONT_NAME} {font} 0 R >> /XObject << /Im0 {image_id} 0 R >> "
            f">> /Contents {content_id} 0 R >>".encode(),
        )
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    yield writer.write(
        pages_id, f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    )
    catalog = writer.reserve()
    yield writer.write(catalog, f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    yield writer.trailer(catalog)


def _drawn(page: PdfPage, dpi: float | None) -> DrawnPage:
    height, width = page.image.shape[:2]
    scale = _POINTS_PER_INCH / (dpi or DEFAULT_DPI)
    w_pt, h_pt = width * scale, height * scale
    jpeg = EncodedImage(
        width,
        height,
        "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode",
        _jpeg(page.image),
    )
    return DrawnPage(
        page.page_number, jpeg, w_pt, h_pt, (w_pt, 0, 0, h_pt, 0, 0), upright(h_pt, scale)
    )


def _jpeg(image: npt.NDArray[np.uint8]) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).convert("RGB").save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    return buffer.getvalue()
