"""What pdfium says a PDF page draws, mapped onto the page image as pdfium renders it: the
visible characters with their font boxes, and how much of the page images cover.

Characters are mapped from PDF points onto the page image through pdfium's own display
matrix, so ``/Rotate`` and a MediaBox or CropBox away from the origin are handled as the
renderer handles them (PDF y points up, image y down). Their font boxes run from ascent to
descent, so every line of one font is equally tall. ``text_layer`` groups them into words
and lines.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ocr_inference.documents.rows import Rect

Affine = tuple[float, float, float, float, float, float]
"""``(a, b, c, d, e, f)``: x' = a x + c y + e, y' = b x + d y + f."""

_PRECISION = 16  # pdfium maps onto whole device pixels: ask for a 16 times larger device
_INVISIBLE = frozenset({pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP})
_HYPHEN = "\x02"  # pdfium's code for a hyphen that ends a line


@dataclass(slots=True)
class Char:
    """A visible character; ``rect`` is (u0, v0, u1, v1) in pixels in its direction's
    reading frame: u along the text, v from the top of the glyphs to their bottom."""

    text: str
    rect: Rect
    direction: int
    spaced: bool  # a space, line break or hidden character comes just before it


def page_to_pixels(page: pdfium.PdfPage, size: tuple[int, int]) -> Affine:
    """The map from PDF user space onto the page image rendered ``size`` pixels large, as
    pdfium's renderer applies it (CropBox, ``/Rotate``, y pointing down)."""
    width, height = size[0] * _PRECISION, size[1] * _PRECISION
    device_x, device_y = ctypes.c_int(), ctypes.c_int()

    def device(x: float, y: float) -> tuple[float, float]:
        ok = pdfium_c.FPDF_PageToDevice(page, 0, 0, width, height, 0, x, y, device_x, device_y)
        if not ok:
            raise pdfium.PdfiumError("pdfium cannot map page coordinates onto pixels.")
        return device_x.value / _PRECISION, device_y.value / _PRECISION

    # three far-apart points from the CropBox's corner keep pdfium's rounding negligible
    left, bottom, _, _ = page.get_cropbox()
    span = 1000.0
    x0, y0 = device(left, bottom)
    x1, y1 = device(left + span, bottom)
    x2, y2 = device(left, bottom + span)
    a, b, c, d = (x1 - x0) / span, (y1 - y0) / span, (x2 - x0) / span, (y2 - y0) / span
    return a, b, c, d, x0 - a * left - c * bottom, y0 - b * left - d * bottom


def image_cover(page: pdfium.PdfPage, transform: Affine, size: tuple[int, int]) -> float:
    """Share of the rendered page under images (top-level images, and forms holding one)."""
    image, form = pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM
    covered = 0.0
    for obj in page.get_objects(filter=[image, form], max_depth=1):
        if obj.type == form and next(page.get_objects([image], 4, form=obj), None) is None:
            continue
        x0, y0, x1, y1 = _to_pixels(obj.get_bounds(), transform)
        width = max(0.0, min(x1, size[0]) - max(x0, 0.0))
        height = max(0.0, min(y1, size[1]) - max(y0, 0.0))
        covered += width * height
    return min(1.0, covered / float(size[0] * size[1]))


def visible_chars(
    textpage: pdfium.PdfTextPage, transform: Affine, size: tuple[int, int]
) -> tuple[list[Char], int]:
    """The visible characters other than spaces, in content order, and the number of all
    characters other than spaces."""
    text_object = pdfium_c.FPDFText_GetTextObject
    render_mode = pdfium_c.FPDFTextObj_GetTextRenderMode
    char_box = pdfium_c.FPDFText_GetLooseCharBox
    objects: dict[int | None, tuple[bool, int]] = {}  # per text object: visible, direction
    box = pdfium_c.FS_RECTF()
    width, height = 2 * size[0], 2 * size[1]
    chars: list[Char] = []
    drawn, spaced = 0, True
    for index, text in _unicode(textpage):
        if text.isspace():
            spaced = True
            continue
        drawn += 1
        obj = text_object(textpage, index)
        key = ctypes.cast(obj, ctypes.c_void_p).value
        state = objects.get(key) if key is not None else None
        if state is None:
            visible = not obj or render_mode(obj) not in _INVISIBLE
            state = objects[key] = (visible, _direction(textpage, index, transform))
        visible, direction = state
        if not visible or not char_box(textpage, index, box):
            spaced = True
            continue
        rect = _to_pixels((box.left, box.bottom, box.right, box.top), transform)
        if not (0 <= rect[0] + rect[2] <= width and 0 <= rect[1] + rect[3] <= height):
            spaced = True  # its centre is off the rendered page
            continue
        chars.append(Char(text, _to_frame(rect, direction), direction, spaced))
        spaced = False
    return chars, drawn


def _unicode(textpage: pdfium.PdfTextPage) -> Iterator[tuple[int, str]]:
    """(index, character) for each of pdfium's characters, surrogate pairs joined."""
    count = textpage.count_chars()
    index = 0
    while index < count:
        code = pdfium_c.FPDFText_GetUnicode(textpage, index)
        if 0xD800 <= code < 0xDC00 and index + 1 < count:
            low = pdfium_c.FPDFText_GetUnicode(textpage, index + 1)
            if 0xDC00 <= low < 0xE000:
                yield index, chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
                index += 2
                continue
        yield index, "-" if chr(code) == _HYPHEN else chr(code)
        index += 1


def _direction(textpage: pdfium.PdfTextPage, index: int, transform: Affine) -> int:
    """Degrees (0, 90, 180, 270) the character's baseline is turned clockwise on the image."""
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFText_GetMatrix(textpage, index, matrix):
        return 0
    a, b, c, d, _, _ = transform
    dx, dy = a * matrix.a + c * matrix.b, b * matrix.a + d * matrix.b
    if abs(dx) >= abs(dy):
        return 0 if dx >= 0 else 180
    return 90 if dy > 0 else 270


def _to_pixels(rect: Rect, transform: Affine) -> Rect:
    """A PDF rectangle (left, bottom, right, top) as pixels (x0, y0, x1, y1); pdfium's
    display matrices only scale, flip and turn by quarter turns, so two corners do."""
    a, b, c, d, e, f = transform
    left, bottom, right, top = rect
    xa, xb = a * left + c * bottom + e, a * right + c * top + e
    ya, yb = b * left + d * bottom + f, b * right + d * top + f
    return min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)


def _to_frame(rect: Rect, direction: int) -> Rect:
    """A pixel rectangle in the reading frame of text turned ``direction`` clockwise."""
    x0, y0, x1, y1 = rect
    if direction == 90:
        return y0, -x1, y1, -x0
    if direction == 180:
        return -x1, -y1, -x0, -y0
    if direction == 270:
        return -y1, x0, -y0, x1
    return rect
