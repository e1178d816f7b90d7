"""A result's text as passages in reading order: the blocks of its layout, tables as
Markdown with their caption, and, where a page has no layout (or lines lie outside every
block), paragraphs of lines grouped by their spacing. Headers and footers are left out.

The lines come in the result's own reading order (``detections``); nothing here orders
them again. Blocks are taken by their role (``pipeline.roles``, the one map from layout
labels to roles); a block of a label no model is known to emit (role ``other``) reads as
text, so that no line is lost to a new label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from statistics import median
from typing import Literal

from ocr_inference.exports.markdown_table import table_markdown
from ocr_inference.pipeline.roles import MARGINAL, Role, role
from ocr_inference.schemas import Block, ChunkSource, Detection, DocumentResult, Table

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1

_LEFT_OUT = MARGINAL  # page furniture

# Lines without layout: a gap between two lines wider than the page's usual gap (at most
# one line height) by this part of a line height starts a new paragraph.
PARAGRAPH_GAP = 0.5

_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")


@dataclass
class Passage:
    """Lines read together: a block, a table with its caption, or a paragraph."""

    role: Literal["title", "text", "table"]
    lines: list[str]
    sources: list[ChunkSource]
    atomic: bool = False  # a table: never split

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def heading_level(title: str) -> int:
    """The depth of a title in the document's outline: that of its section number
    (``2.1 Data`` is 2), else 1."""
    numbered = _NUMBERED.match(title)
    return numbered.group(1).count(".") + 1 if numbered else 1


def passages(result: DocumentResult) -> list[Passage]:
    """The result's text in reading order, headers and footers left out."""
    tables = {table.block: table for table in result.tables}
    found: list[tuple[int | None, Passage]] = []
    for (_, block), group in groupby(result.detections, key=lambda d: (d.page_number, d.block)):
        lines = list(group)
        if block is None:
            found += [(None, paragraph) for paragraph in paragraphs(lines)]
            continue
        kind = role(result.layout[block].label)
        if kind in _LEFT_OUT:
            continue
        found.append((block, _passage(result.layout[block], kind, lines, tables.get(block))))
    return _with_captions(found, result.layout)


def _passage(block: Block, kind: Role, lines: list[Detection], table: Table | None) -> Passage:
    source = [ChunkSource(page=block.page_number, box=block.box)]
    texts = [line.text for line in lines]
    if kind == "title":
        return Passage("title", texts, source)
    if kind == "table" and table is not None and table.cells:
        markdown = table_markdown(table)
        return Passage("table", [markdown, *_unplaced(texts, table)], source, atomic=True)
    return Passage("text", texts, source)


def _unplaced(lines: list[str], table: Table) -> list[str]:
    """Lines of a table that no cell holds (a structure with fewer cells than the lines
    need): they follow the table rather than go missing. A cell's text is its lines joined
    by spaces; each line claims a run of a cell's words, longest lines first."""
    free = [cell.text.split() for cell in table.cells]
    placed: set[int] = set()
    for index in sorted(range(len(lines)), key=lambda i: -len(lines[i])):
        words = lines[index].split()
        for cell in free:
            at = _run(cell, words)
            if at is not None:
                cell[at : at + len(words)] = [""] * len(words)  # claimed
                placed.add(index)
                break
    return [line for index, line in enumerate(lines) if index not in placed]


def _run(words: list[str], run: list[str]) -> int | None:
    """Where ``run`` starts in ``words``, or None."""
    for at in range(len(words) - len(run) + 1):
        if words[at : at + len(run)] == run:
            return at
    return None


def _with_captions(found: list[tuple[int | None, Passage]], layout: list[Block]) -> list[Passage]:
    """The passages, each table joined by its caption: the caption block just before the
    table in reading order, or else the one just after it (unless that one is just before
    another table), on the same page."""
    used: set[int] = set()

    def is_caption(at: int, table_block: int) -> bool:
        if not 0 <= at < len(found) or at in used:
            return False
        block = found[at][0]
        return (
            block is not None
            and role(layout[block].label) == "caption"
            and abs(block - table_block) == 1
            and layout[block].page_number == layout[table_block].page_number
        )

    for at, (block, table) in enumerate(found):
        if not table.atomic or block is None:
            continue
        if is_caption(at - 1, block):
            where = at - 1
            table.lines = [*found[where][1].lines, "", *table.lines]
        elif is_caption(at + 1, block) and not (at + 2 < len(found) and found[at + 2][1].atomic):
            where = at + 1
            table.lines = [*table.lines, "", *found[where][1].lines]
        else:
            continue
        used.add(where)
        table.sources = [*table.sources, *found[where][1].sources]
    return [passage for at, (_, passage) in enumerate(found) if at not in used]


def paragraphs(lines: Sequence[Detection]) -> Iterator[Passage]:
    """Consecutive lines of one page, in reading order, as paragraphs. Lines side by side
    make one row; a new paragraph starts at a row that does not lie below the last (another
    column), or whose gap above is wider than the usual gap between rows by
    ``PARAGRAPH_GAP`` of a line height (the usual gap: the median, at most a line height)."""
    rects = [_bounds(line.box) for line in lines]
    height = median(y1 - y0 for _, y0, _, y1 in rects) if rects else 0
    rows = _rows(rects)
    spans = [_span(rects[first:last]) for first, last in rows]
    below = [spans[k][1] >= spans[k - 1][1] + height / 2 for k in range(1, len(spans))]
    gaps = [spans[k][1] - spans[k - 1][3] for k in range(1, len(spans))]
    usual = min(median([g for g, b in zip(gaps, below, strict=True) if b] or [0]), height)
    start = 0
    for k in range(1, len(rows) + 1):
        if k < len(rows) and below[k - 1] and gaps[k - 1] <= usual + PARAGRAPH_GAP * height:
            continue
        first, last = rows[start][0], rows[k - 1][1]
        x0, y0, x1, y1 = _span(rects[first:last])
        yield Passage(
            "text",
            [line.text for line in lines[first:last]],
            [
                ChunkSource(
                    page=lines[first].page_number, box=[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
                )
            ],
        )
        start = k


def _rows(rects: Sequence[Rect]) -> list[tuple[int, int]]:
    """(first, last + 1) of each run of lines side by side: a line whose middle lies within
    the height of the line before it, to its right."""
    rows: list[tuple[int, int]] = []
    for i, (x0, y0, _, y1) in enumerate(rects):
        before = rects[i - 1] if i else None
        if before is not None and x0 > before[0] and before[1] <= (y0 + y1) / 2 <= before[3]:
            rows[-1] = (rows[-1][0], i + 1)
        else:
            rows.append((i, i + 1))
    return rows


def _bounds(box: list[list[int]]) -> Rect:
    xs, ys = [x for x, _ in box], [y for _, y in box]
    return min(xs), min(ys), max(xs), max(ys)


def _span(rects: Sequence[Rect]) -> Rect:
    return (
        min(r[0] for r in rects),
        min(r[1] for r in rects),
        max(r[2] for r in rects),
        max(r[3] for r in rects),
    )
