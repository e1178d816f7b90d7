"""Text lines read from a PDF page's own text layer, and whether that layer can be trusted.

A born-digital page carries its text: reading it takes milliseconds where OCR takes
seconds, and it is exact. ``read_text_layer`` takes the characters of a pypdfium2 page
with their font boxes (ascent to descent, so every line of one font is equally tall), maps
them from PDF points onto the page image as pdfium renders it (through pdfium's own display
matrix, so ``/Rotate`` and a MediaBox or CropBox away from the origin are handled as the
renderer handles them; PDF y points up, image y down), and groups them:

- **words**: characters next to each other in the content stream, in the same direction,
  with no space between them (pdfium's own or one it inserts for a gap) and no gap wider
  than 0.3 of the text height. A change of baseline or size (a sub- or superscript) and a
  jump backwards start a new word, as in the PDF's own tokens that DocBank is made of.
  Characters that are not valid text (below) are left out of the words' text.
- **lines**: words of one direction are put in rows by ``rows.group_rows``, the rule that
  puts OCR lines in rows too (centres within half the smaller height), and a row is cut where
  the gap between two words is wider than 0.9 of their height, so two columns stay two
  lines. Lines come row by row, top to bottom and left to right as the text reads, those
  in the page's main direction first.

Each line and word has a four-point box in integer pixels of the rendered page, clockwise
from the top-left corner of the text as it reads. Text that runs sideways or upside down
on the rendered page (content drawn turned, or a ``/Rotate`` that the content does not
undo) gets the turned box, and ``TextLayer.rotation`` says how far the page's main text
direction is turned clockwise, as page orientation does for OCR. Text at other angles is
given the nearest quarter turn.

Whether the layer is real is decided per page; ``TextLayer.reason`` says why not:

1. Characters drawn invisibly (render mode 3, or 7 = clip only), or with their centre off
   the rendered page, are not read at all. Invisible text is what OCR tools lay over a
   scan, of a quality nobody checked, so it is not trusted: such a page has too few
   visible characters and is OCRed.
2. At least ``MIN_CHARS`` (20) visible characters other than spaces: a few stray
   characters, such as a page number, do not make a page.
3. At least ``MIN_VALID_SHARE`` (90 %) of them are valid text: not U+FFFD, not a control,
   private-use, surrogate or unassigned code point (what a font without a usable ToUnicode
   map gives), and not part of a literal ``(cid:NN)``.
4. At least ``MIN_ALNUM_SHARE`` (50 %) of those are letters or digits: a wrong encoding maps
   glyphs onto punctuation and symbols.
5. When images cover at least ``IMAGE_PAGE_SHARE`` (80 %) of the page, as a scan's do, the
   lines must cover at least ``MIN_TEXT_COVER`` (5 %) of it: a line stamped on a scanned
   page does not make the scan readable from its text layer. A page with figures, whose
   text lies beside them, passes.

Not handled in this first version: on a page read from its text layer, images that hold
text (figures, a pasted scan) are not OCRed; visible text hidden under an image drawn over
it is read as if it showed.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ocr_inference.documents.rows import Rect, group_rows

Point = tuple[int, int]
Quad = tuple[Point, Point, Point, Point]
"""Four pixel points, clockwise from the top-left corner of the text as it reads."""

Affine = tuple[float, float, float, float, float, float]
"""``(a, b, c, d, e, f)``: x' = a x + c y + e, y' = b x + d y + f."""

MIN_CHARS = 20
MIN_VALID_SHARE = 0.9
MIN_ALNUM_SHARE = 0.5
IMAGE_PAGE_SHARE = 0.8
MIN_TEXT_COVER = 0.05

_WORD_GAP = 0.3  # of the text height: a wider gap between two characters is a space
_LINE_GAP = 0.9  # of the text height: a wider gap between two words ends a line
_BASELINE_SHIFT = 0.25  # of the smaller height: a larger jump is a sub- or superscript
_SIZE_CHANGE = 0.75  # height ratio below which a character starts a new word
_PRECISION = 16  # pdfium maps onto whole device pixels: ask for a 16 times larger device
_INVISIBLE = frozenset({pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP})
_CID = re.compile(r"\(cid:\d+\)")
_INVALID_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
_HYPHEN = "\x02"  # pdfium's code for a hyphen that ends a line


@dataclass(frozen=True)
class Word:
    text: str
    quad: Quad


@dataclass(frozen=True)
class TextLine:
    text: str
    quad: Quad
    words: tuple[Word, ...]


@dataclass(frozen=True)
class TextLayer:
    """What a page's text layer holds; ``lines`` is empty when it cannot be trusted.

    Attributes:
        lines: text lines row by row as read, those in the main direction first.
        rotation: degrees (0, 90, 180, 270) the page's main text direction is turned
            clockwise on the rendered page.
        reason: why the layer is not usable, or None when it is.
    """

    lines: tuple[TextLine, ...] = ()
    rotation: int = 0
    reason: str | None = None

    @property
    def usable(self) -> bool:
        """Whether the page can be read from its text layer instead of OCR."""
        return self.reason is None


@dataclass(slots=True)
class _Char:
    """A visible character; ``rect`` is (u0, v0, u1, v1) in pixels in its direction's
    reading frame: u along the text, v from the top of the glyphs to their bottom."""

    text: str
    rect: Rect
    direction: int
    spaced: bool  # a space, line break or hidden character comes just before it


@dataclass(slots=True)
class _Word:
    chars: list[_Char]
    rect: Rect  # the union of the characters' rects

    @property
    def direction(self) -> int:
        return self.chars[0].direction


def read_text_layer(page: pdfium.PdfPage, size: tuple[int, int]) -> TextLayer:
    """Lines and words of ``page``'s text layer, boxed on the page image as pdfium renders
    it ``size`` = (width, height) pixels large; an empty layer with the reason when it
    cannot be trusted (see the module docstring).

    Raises:
        pypdfium2.PdfiumError: pdfium cannot read the page's text.
    """
    transform = page_to_pixels(page, size)
    textpage = page.get_textpage()
    try:
        chars, drawn = _visible_chars(textpage, transform, size)
    finally:
        textpage.close()
    if len(chars) < MIN_CHARS:
        hidden = drawn - len(chars)
        return TextLayer(reason=f"{len(chars)} visible characters ({hidden} hidden)")
    valid = [ch for ch in _CID.sub("\ufffd", "".join(c.text for c in chars)) if _is_valid(ch)]
    if len(valid) < MIN_VALID_SHARE * len(chars):
        return TextLayer(reason=f"{len(valid)} of {len(chars)} characters are valid text")
    alnum = sum(ch.isalnum() for ch in valid)
    if alnum < MIN_ALNUM_SHARE * len(valid):
        return TextLayer(reason=f"{alnum} of {len(valid)} characters are letters or digits")
    main = _main_direction(chars)
    lines = _lines(_words(chars), main)
    rects = [_union(word.rect for word in line) for line in lines]
    cover = sum((r[2] - r[0]) * (r[3] - r[1]) for r in rects) / float(size[0] * size[1])
    if cover < MIN_TEXT_COVER and image_cover(page, transform, size) >= IMAGE_PAGE_SHARE:
        return TextLayer(reason=f"text covers {cover:.1%} of a page that is mostly images")
    made = (_text_line(line, rect) for line, rect in zip(lines, rects, strict=True))
    return TextLayer(tuple(line for line in made if line is not None), main)


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


def _visible_chars(
    textpage: pdfium.PdfTextPage, transform: Affine, size: tuple[int, int]
) -> tuple[list[_Char], int]:
    """The visible characters other than spaces, in content order, and the number of all
    characters other than spaces."""
    text_object = pdfium_c.FPDFText_GetTextObject
    render_mode = pdfium_c.FPDFTextObj_GetTextRenderMode
    char_box = pdfium_c.FPDFText_GetLooseCharBox
    objects: dict[int | None, tuple[bool, int]] = {}  # per text object: visible, direction
    box = pdfium_c.FS_RECTF()
    width, height = 2 * size[0], 2 * size[1]
    chars: list[_Char] = []
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
        chars.append(_Char(text, _to_frame(rect, direction), direction, spaced))
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


def _quad(rect: Rect, direction: int) -> Quad:
    """The corners of a reading-frame rectangle on the image, from the text's top-left."""
    u0, v0, u1, v1 = rect
    corners = ((u0, v0), (u1, v0), (u1, v1), (u0, v1))
    if direction == 90:
        points = [(-v, u) for u, v in corners]
    elif direction == 180:
        points = [(-u, -v) for u, v in corners]
    elif direction == 270:
        points = [(v, -u) for u, v in corners]
    else:
        points = list(corners)
    p0, p1, p2, p3 = ((round(x), round(y)) for x, y in points)
    return p0, p1, p2, p3


def _is_valid(ch: str) -> bool:
    return ch != "\ufffd" and unicodedata.category(ch) not in _INVALID_CATEGORIES


def _continues(last: Rect, rect: Rect) -> bool:
    """Whether a character at ``rect`` goes on the word that one at ``last`` ends (both
    in one reading frame, with no space between them)."""
    low, high = sorted((max(last[3] - last[1], 1e-3), max(rect[3] - rect[1], 1e-3)))
    shift = abs(rect[1] + rect[3] - last[1] - last[3]) / 2
    if low < _SIZE_CHANGE * high or shift > _BASELINE_SHIFT * low:
        return False  # another line, or a sub- or superscript
    return rect[0] >= last[0] - 0.1 * low and rect[0] - last[2] <= _WORD_GAP * low


def _words(chars: list[_Char]) -> list[_Word]:
    runs: list[list[_Char]] = []
    for char in chars:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and not char.spaced
            and char.direction == last.direction
            and _continues(last.rect, char.rect)
        ):
            runs[-1].append(char)
        else:
            runs.append([char])
    return [_Word(run, _union(c.rect for c in run)) for run in runs]


def _union(rects: Iterable[Rect]) -> Rect:
    first, *rest = rects
    u0, v0, u1, v1 = first
    for r in rest:
        u0, v0, u1, v1 = min(u0, r[0]), min(v0, r[1]), max(u1, r[2]), max(v1, r[3])
    return u0, v0, u1, v1


def _lines(words: list[_Word], main: int) -> list[list[_Word]]:
    """Words in rows by their centres, rows cut at wide gaps. Lines of the ``main``
    direction come first, each direction's rows top to bottom and left to right as read."""
    lines: list[list[_Word]] = []
    for direction in sorted((0, 90, 180, 270), key=lambda d: d != main):
        group = [w for w in words if w.direction == direction]
        for indices in group_rows([w.rect for w in group]):
            row = [group[i] for i in indices]
            line, reach = [row[0]], row[0].rect[2]
            for word in row[1:]:
                gap = word.rect[0] - reach
                if gap > _LINE_GAP * max(_height(word.rect), _height(line[-1].rect)):
                    lines.append(line)
                    line = []
                line.append(word)
                reach = max(reach, word.rect[2]) if len(line) > 1 else word.rect[2]
            lines.append(line)
    return lines


def _height(rect: Rect) -> float:
    return max(rect[3] - rect[1], 1e-3)


def _text_line(words: list[_Word], rect: Rect) -> TextLine | None:
    """A line with its words' text cleaned of invalid characters; None if none is left."""
    direction = words[0].direction
    kept = [
        Word(text, _quad(word.rect, direction))
        for word in words
        if (text := "".join(ch for c in word.chars for ch in c.text if _is_valid(ch)))
    ]
    if not kept:
        return None
    return TextLine(" ".join(word.text for word in kept), _quad(rect, direction), tuple(kept))


def _main_direction(chars: list[_Char]) -> int:
    counts = Counter(char.direction for char in chars)
    return max(counts, key=lambda d: (counts[d], d == 0))
