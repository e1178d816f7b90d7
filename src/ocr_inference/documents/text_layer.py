"""Text lines read from a PDF page's own text layer, and whether that layer can be trusted.

A born-digital page carries its text: reading it takes milliseconds where OCR takes
seconds, and it is exact. ``read_text_layer`` takes the visible characters of a pypdfium2
page on the page image as pdfium renders it (``pdf_chars``: font boxes from ascent to
descent, ``/Rotate`` and the CropBox applied as the renderer applies them), and groups them:

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

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pypdfium2 as pdfium

from ocr_inference.documents.pdf_chars import Char, image_cover, page_to_pixels, visible_chars
from ocr_inference.documents.rows import Rect, group_rows

Point = tuple[int, int]
Quad = tuple[Point, Point, Point, Point]
"""Four pixel points, clockwise from the top-left corner of the text as it reads."""

MIN_CHARS = 20
MIN_VALID_SHARE = 0.9
MIN_ALNUM_SHARE = 0.5
IMAGE_PAGE_SHARE = 0.8
MIN_TEXT_COVER = 0.05

_WORD_GAP = 0.3  # of the text height: a wider gap between two characters is a space
_LINE_GAP = 0.9  # of the text height: a wider gap between two words ends a line
_BASELINE_SHIFT = 0.25  # of the smaller height: a larger jump is a sub- or superscript
_SIZE_CHANGE = 0.75  # height ratio below which a character starts a new word
_CID = re.compile(r"\(cid:\d+\)")
_INVALID_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})


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
class _Word:
    chars: list[Char]
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
        chars, drawn = visible_chars(textpage, transform, size)
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


def _words(chars: list[Char]) -> list[_Word]:
    runs: list[list[Char]] = []
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


def _main_direction(chars: list[Char]) -> int:
    counts = Counter(char.direction for char in chars)
    return max(counts, key=lambda d: (counts[d], d == 0))
