"""The invisible text layer of a searchable PDF: a page's words as content-stream operators.

The words are set in text render mode 3 (invisible), in the glyphless font of
``glyphless``, on their line's baseline at their line's height, each stretched
horizontally (``Tz``) to its box. Where the page sits in PDF space is the caller's: a
``Placement`` maps the result's pixel coordinates to the page's own coordinate system
(points, y upwards), so the same operators serve a page drawn from an image and an
original PDF page with its ``/Rotate`` and CropBox.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass

from ocr_inference.exports import glyphless
from ocr_inference.schemas import Box, DocumentResult

_SIZE_SPREAD = 1.25  # lines of a block this close in height share one font size


@dataclass(frozen=True)
class Placement:
    """An affine map from page pixels (x right, y down) to PDF space, as
    ``X = a x + c y + e``, ``Y = b x + d y + f``; it must keep angles (a rotation by a
    multiple of 90 degrees and one scale), so that ``scale`` sizes the font."""

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float

    @property
    def scale(self) -> float:
        """PDF units per pixel."""
        return math.hypot(self.a, self.b)

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f


def upright(height_pt: float, scale: float) -> Placement:
    """The placement of a page drawn upright from its image: ``scale`` points per pixel,
    the image's top-left at the page's top-left."""
    return Placement(scale, 0.0, 0.0, -scale, 0.0, height_pt)


@dataclass(frozen=True)
class _Line:
    box: Box
    words: list[tuple[str, Box]]
    height: float  # pixels: the font size the line is set in


def text_operators(
    result: DocumentResult, page_number: int, placement: Placement, font: str
) -> bytes:
    """The words of page ``page_number`` as a ``BT``..``ET`` block in font resource
    ``font`` (its name without the slash), placed by ``placement``."""
    return _content(_lines(result, page_number), placement, font)


def _lines(result: DocumentResult, page_number: int) -> list[_Line]:
    """The page's lines in reading order, each with its words (a line without words is its
    own one word) and the height its text is set at: the median height of the lines of its
    layout block whose heights are close to its own.

    pdftotext, like most extractors, joins lines into a paragraph, and sees a column, only
    where their font sizes agree within a few percent; box heights vary more than that
    from line to line of one paragraph (ascenders, descenders, detector padding)."""
    lines = [line for line in result.detections if line.page_number == page_number]
    heights = [math.dist(line.box[0], line.box[3]) for line in lines]
    groups: dict[int | None, list[int]] = {}
    for index, line in enumerate(lines):
        groups.setdefault(line.block, []).append(index)
    common = list(heights)
    for members in groups.values():
        for cluster in _similar(sorted(members, key=heights.__getitem__), heights):
            median = statistics.median(heights[i] for i in cluster)
            for i in cluster:
                common[i] = median
    return [
        _Line(line.box, [(w.text, w.box) for w in line.words] or [(line.text, line.box)], height)
        for line, height in zip(lines, common, strict=True)
    ]


def _similar(ordered: list[int], heights: list[float]) -> Iterator[list[int]]:
    """Runs of ``ordered`` (indices sorted by height) within ``_SIZE_SPREAD`` of the run's
    smallest."""
    run: list[int] = []
    for index in ordered:
        if run and heights[index] > heights[run[0]] * _SIZE_SPREAD:
            yield run
            run = []
        run.append(index)
    if run:
        yield run


def _content(lines: list[_Line], placement: Placement, font: str) -> bytes:
    """Each line's words on one baseline at one font size, each word stretched (``Tz``)
    from where its box starts along the line to where it ends."""
    ops = ["BT 3 Tr"]
    for line in lines:
        # PDF space: y upwards; a box is clockwise from the text's top-left
        (x0, y0), (x1, y1), _, (x3, y3) = _points(line.box, placement)
        length = math.hypot(x1 - x0, y1 - y0)
        size = line.height * placement.scale
        if length <= 0 or size <= 0:
            continue
        cos, sin = (x1 - x0) / length, (y1 - y0) / length
        for text, box in line.words:
            encoded = glyphless.encode(text)
            along = [(x - x3) * cos + (y - y3) * sin for x, y in _points(box, placement)]
            start, end = min(along[0], along[3]), max(along[1], along[2])
            advance = len(encoded) // 2 * glyphless.GLYPH_WIDTH * size
            if end <= start or advance <= 0:
                continue
            # the baseline is the box's bottom edge: the font's glyphs rise one em above it
            ops.append(
                f"/{font} {size:.2f} Tf {100 * (end - start) / advance:.2f} Tz "
                f"{cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f} "
                f"{x3 + cos * start:.2f} {y3 + sin * start:.2f} Tm <{encoded.hex()}> Tj"
            )
    ops.append("ET")
    return "\n".join(ops).encode()


def _points(box: Box, placement: Placement) -> list[tuple[float, float]]:
    return [placement.point(x, y) for x, y in box]
