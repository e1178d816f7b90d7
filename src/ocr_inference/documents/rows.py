"""Boxes grouped into rows: the one rule by which text lines read by OCR (``pipeline``) and
words read from a PDF's text layer (``text_layer``) are put in rows.

It lives here, in the lowest layer, so that both can use it: the pipeline imports
documents, never the reverse.
"""

from __future__ import annotations

from collections.abc import Sequence

Rect = tuple[float, float, float, float]
"""``(x0, y0, x1, y1)`` in pixels, y pointing down (or u, v in a text direction's frame)."""

MIN_HEIGHT = 1.0  # pixels: a flat box counts as this tall


def group_rows(rects: Sequence[Rect]) -> list[list[int]]:
    """Indices of ``rects`` in rows, rows top to bottom and each row left to right.

    Boxes are taken by their vertical centres. A box joins the current row when its centre
    is within half the smaller height of the row's first box's centre, so the rule scales
    with the text size instead of a fixed pixel count.
    """
    centres = [(rect[1] + rect[3]) / 2 for rect in rects]
    heights = [max(rect[3] - rect[1], MIN_HEIGHT) for rect in rects]
    rows: list[list[int]] = []
    for index in sorted(range(len(rects)), key=lambda i: (centres[i], rects[i][0])):
        if rows:
            anchor = rows[-1][0]
            tolerance = 0.5 * min(heights[anchor], heights[index])
            if abs(centres[index] - centres[anchor]) <= tolerance:
                rows[-1].append(index)
                continue
        rows.append([index])
    return [sorted(row, key=lambda i: rects[i][0]) for row in rows]
