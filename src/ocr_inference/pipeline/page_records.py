"""A page's read lines and layout blocks as the result's records (``Detection``, ``Block``,
``Table``), in reading order, with their boxes mapped back onto the page as submitted."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ocr_inference.documents.page import Page
from ocr_inference.documents.text_layer import Quad as LayerQuad
from ocr_inference.documents.text_layer import TextLayer
from ocr_inference.pipeline.geometry import Quad, to_submitted
from ocr_inference.pipeline.layout import LayoutBlock
from ocr_inference.pipeline.lines import ReadLine
from ocr_inference.pipeline.reading_order import PageOrder
from ocr_inference.pipeline.tables import GridCell
from ocr_inference.schemas import Block, Detection, Table, TableCell, Word


@dataclass
class ReadTable:
    """A table's structure as HTML, and each cell with its quad (page image pixels) and text."""

    html: str
    cells: list[tuple[GridCell, Quad, str]]


@dataclass(frozen=True)
class ReadPage:
    """What was read on one upright page image: its lines and layout blocks, their reading
    order (``order``) and the block each line lies in (``owners``, by line index), and the
    page's ``rotation`` and upright size, to map boxes back onto the page as submitted."""

    number: int
    lines: list[ReadLine]
    regions: list[LayoutBlock]
    order: PageOrder
    owners: list[int | None]
    rotation: int
    width: int
    height: int

    def points(self, quad: Quad) -> list[list[int]]:
        """``quad`` as whole pixels on the page as submitted."""
        submitted = to_submitted(quad, self.rotation, self.width, self.height)
        return [[int(x), int(y)] for x, y in np.rint(submitted).astype(np.int64)]

    def detections(self) -> list[Detection]:
        """The lines in reading order; ``block`` is the rank of the block a line lies in."""
        rank: dict[int | None, int] = {region: r for r, region in enumerate(self.order.blocks)}
        return [self._detection(self.lines[i], rank.get(self.owners[i])) for i in self.order.lines]

    def blocks(self, detections: list[Detection]) -> list[Block]:
        """The layout blocks in reading order, each with the text of its lines."""
        return [
            Block(
                page_number=self.number,
                label=self.regions[region].label,
                box=self.points(_rect_quad(self.regions[region].box)),
                confidence=round(self.regions[region].confidence, 4),
                order=rank,
                text="\n".join(d.text for d in detections if d.block == rank),
            )
            for rank, region in enumerate(self.order.blocks)
        ]

    def members(self, region: int) -> list[tuple[Quad, str]]:
        """Quad and text of the lines that lie in block ``region``."""
        return [
            (line.quad, line.text)
            for line, owner in zip(self.lines, self.owners, strict=True)
            if owner == region
        ]

    def table(self, read: ReadTable, block: Block) -> Table:
        """The record of a table read in ``block``."""
        cells = [
            TableCell(
                row=cell.row,
                col=cell.col,
                row_span=cell.row_span,
                col_span=cell.col_span,
                box=self.points(quad),
                text=text,
            )
            for cell, quad, text in read.cells
        ]
        return Table(
            page_number=self.number, block=block.order, box=block.box, html=read.html, cells=cells
        )

    def _detection(self, line: ReadLine, block: int | None) -> Detection:
        words = [
            Word(text=text, box=self.points(quad), confidence=round(confidence, 4))
            for text, quad, confidence in line.words
        ]
        return Detection(
            text=line.text,
            box=self.points(line.quad),
            confidence=round(line.confidence, 4),
            page_number=self.number,
            block=block,
            words=words,
        )


def layer_lines(layer: TextLayer, page: Page) -> list[ReadLine]:
    """A text layer's lines, with the boxes of their words where the layer draws them, as
    read lines of the page turned upright by its rotation."""
    turn = (360 - layer.rotation) % 360  # from the page as rendered to the upright page

    def upright(quad: LayerQuad) -> Quad:
        return to_submitted(np.array(quad, dtype=np.float32), turn, page.width, page.height)

    return [
        ReadLine(
            quad=upright(line.quad),
            text=line.text,
            confidence=1.0,
            words=[(word.text, upright(word.quad), 1.0) for word in line.words],
        )
        for line in layer.lines
    ]


def _rect_quad(rect: tuple[float, float, float, float]) -> Quad:
    x0, y0, x1, y1 = rect
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
