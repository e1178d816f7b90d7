"""Reading order of layout blocks by recursive XY-cut, columns before rows.

At each level the blocks are split at vertical gaps into columns (left to right); where no
column gap exists, at horizontal gaps into rows (top to bottom); each part is cut again. A
full-width title or figure has no column gap beside it, so it splits the page into rows, and
the columns inside each row are read one after the other. Neighbouring rows that share
their columns are kept together as one section, so a paragraph gap that happens to sit at
the same height in both columns does not make the page read across the columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ocr_inference.pipeline.geometry import Quad, bounds, row_order
from ocr_inference.pipeline.roles import MARGINAL, role

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


_GAP_TOLERANCE = 0.01  # overlaps below 1% of the region's extent still count as a gap


def _split(indices: list[int], rects: Sequence[Rect], axis: int) -> list[list[int]]:
    lo, hi = (0, 2) if axis == 0 else (1, 3)
    ordered = sorted(indices, key=lambda i: (rects[i][lo], rects[i][hi]))
    extent = max(rects[i][hi] for i in indices) - min(rects[i][lo] for i in indices)
    tolerance = _GAP_TOLERANCE * extent
    groups = [[ordered[0]]]
    reach = rects[ordered[0]][hi]
    for index in ordered[1:]:
        if rects[index][lo] >= reach - tolerance:
            groups.append([index])
        else:
            groups[-1].append(index)
        reach = max(reach, rects[index][hi]) if len(groups[-1]) > 1 else rects[index][hi]
    return groups


def _has_columns(indices: list[int], rects: Sequence[Rect]) -> bool:
    return len(indices) > 1 and len(_split(indices, rects, 0)) > 1


def _cut(indices: list[int], rects: Sequence[Rect]) -> list[int]:
    if len(indices) <= 1:
        return indices
    columns = _split(indices, rects, 0)
    if len(columns) > 1:
        return [i for group in columns for i in _cut(group, rects)]
    rows = _split(indices, rects, 1)
    if len(rows) == 1:
        return sorted(indices, key=lambda i: (rects[i][1], rects[i][0]))
    # Paragraph gaps at the same height in both columns would read the page row by row:
    # neighbouring rows that are both in columns, and still are together, are one section.
    sections: list[list[int]] = []
    for row in rows:
        previous = sections[-1] if sections else []
        if (
            _has_columns(previous, rects)
            and _has_columns(row, rects)
            and _has_columns(previous + row, rects)
        ):
            sections[-1] = previous + row
        else:
            sections.append(row)
    return [i for section in sections for i in _cut(section, rects)]


def xy_cut(rects: Sequence[Rect]) -> list[int]:
    """Indices of ``rects`` in reading order."""
    return _cut(list(range(len(rects))), rects)


def containing(
    point: tuple[float, float], rects: Sequence[Rect], margin: float = 2.0
) -> int | None:
    """Index of the smallest rect that contains ``point``, or None."""
    x, y = point
    best, best_area = None, float("inf")
    for index, (x0, y0, x1, y1) in enumerate(rects):
        if x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin:
            area = (x1 - x0) * (y1 - y0)
            if area < best_area:
                best, best_area = index, area
    return best


class Region(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def box(self) -> Rect: ...


@dataclass(frozen=True)
class PageOrder:
    blocks: list[int]  # region indices: the body in reading order, then headers and footers
    lines: list[int]  # line indices in reading order


def arrange(regions: Sequence[Region], quads: Sequence[Quad]) -> tuple[PageOrder, list[int | None]]:
    """Reading order of a page's regions and text lines, and the region each line is in.

    A line belongs to the smallest region containing its centre. Body regions and the
    lines outside every region are ordered together by XY-cut; headers and footers come
    last. Lines inside a region keep their own top-to-bottom, left-to-right order. Without
    regions, lines are read in rows.
    """
    rects = [region.box for region in regions]
    owners = [containing((float(q[:, 0].mean()), float(q[:, 1].mean())), rects) for q in quads]
    if not regions:
        return PageOrder([], row_order(quads)), owners
    body = [i for i, region in enumerate(regions) if role(region.label) not in MARGINAL]
    margins = [i for i, region in enumerate(regions) if role(region.label) in MARGINAL]
    loose = [j for j, owner in enumerate(owners) if owner is None]
    units = [("block", i) for i in body] + [("line", j) for j in loose]
    unit_rects = [rects[i] for i in body] + [bounds(quads[j]) for j in loose]
    ordered = [units[k] for k in xy_cut(unit_rects)]
    ordered += [("block", margins[k]) for k in xy_cut([rects[i] for i in margins])]
    blocks: list[int] = []
    lines: list[int] = []
    for kind, index in ordered:
        if kind == "line":
            lines.append(index)
            continue
        blocks.append(index)
        members = [j for j, owner in enumerate(owners) if owner == index]
        lines.extend(members[k] for k in row_order([quads[j] for j in members]))
    return PageOrder(blocks, lines), owners
