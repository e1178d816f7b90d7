"""Results written block by block (``LayoutDoc``), for tests of what is made from a
result's layout: lines 30 px high, one under the other, each block below the last."""

from __future__ import annotations

from ocr_inference.schemas import (
    Block,
    Detection,
    DocumentResult,
    ModelInfo,
    PageInfo,
    ResultMeta,
    Table,
    TableCell,
)

META = ResultMeta(
    pipeline="t", models=[ModelInfo(name="m", sha256="0" * 64)], seconds=0, device="cpu"
)


def rect(x0: int, y0: int, x1: int, y1: int) -> list[list[int]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


class LayoutDoc:
    """A result written block by block, each line 30 px high, one under the other."""

    def __init__(self) -> None:
        self.detections: list[Detection] = []
        self.layout: list[Block] = []
        self.tables: list[Table] = []
        self.y = {1: 50}

    def block(self, label: str, lines: list[str], page: int = 1, gap: int = 10) -> int:
        top = self.y.setdefault(page, 50)
        index = len(self.layout) if label else None
        for row, text in enumerate(lines):
            y0 = top + row * (30 + gap)
            self.detections.append(
                Detection(
                    text=text,
                    box=rect(50, y0, 50 + 8 * len(text), y0 + 30),
                    confidence=0.9,
                    page_number=page,
                    block=index,
                )
            )
        bottom = top + len(lines) * (30 + gap)
        if label:
            self.layout.append(
                Block(
                    page_number=page,
                    label=label,
                    box=rect(40, top - 5, 1000, bottom),
                    confidence=0.9,
                    order=sum(b.page_number == page for b in self.layout),
                    text="\n".join(lines),
                )
            )
        self.y[page] = bottom + 60
        return index if index is not None else -1

    def table(self, rows: list[list[str]], page: int = 1) -> int:
        index = self.block("table", [cell for row in rows for cell in row], page)
        cells = [
            TableCell(row=r, col=c, row_span=1, col_span=1, box=rect(0, 0, 1, 1), text=text)
            for r, row in enumerate(rows)
            for c, text in enumerate(row)
        ]
        box = self.layout[index].box
        self.tables.append(Table(page_number=page, block=index, box=box, html="", cells=cells))
        return index

    def result(self) -> DocumentResult:
        pages = [PageInfo(page_number=p, width=1100, height=3000, dpi=None) for p in sorted(self.y)]
        return DocumentResult(
            detections=self.detections,
            pages=pages,
            meta=META,
            layout=self.layout,
            tables=self.tables,
        )
