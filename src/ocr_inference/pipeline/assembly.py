"""One DocumentResult from its pages, or from the results of consecutive page ranges.

Block indexes (``Detection.block``, ``Table.block``) count within a page's or a part's
own ``layout``; appending moves them past the blocks already collected.
"""

from __future__ import annotations

from collections.abc import Iterable

from ocr_inference.pipeline.markdown import to_markdown
from ocr_inference.schemas import (
    Block,
    Detection,
    DocumentResult,
    PageInfo,
    PageResult,
    ResultMeta,
    Table,
)


def page_result(
    page: PageInfo, detections: list[Detection], blocks: list[Block], tables: list[Table]
) -> PageResult:
    """One page's output as its own part, with copies of its detections and tables (which
    ``ResultBuilder.add`` then moves past the blocks of the pages before it) and the page's
    Markdown, made as ``exports.select_page`` makes it from the document's result."""
    own_detections = [detection.model_copy() for detection in detections]
    own_tables = [table.model_copy() for table in tables]
    layout = list(blocks)
    return PageResult(
        page=page,
        detections=own_detections,
        layout=layout,
        tables=own_tables,
        markdown=to_markdown(own_detections, layout, [page], own_tables),
    )


class ResultBuilder:
    """Collects pages (or parts) in page order and builds the document's result."""

    def __init__(self) -> None:
        self.detections: list[Detection] = []
        self.layout: list[Block] = []
        self.tables: list[Table] = []
        self.pages: list[PageInfo] = []

    def add(
        self,
        page: PageInfo | Iterable[PageInfo],
        detections: Iterable[Detection],
        blocks: Iterable[Block] = (),
        tables: Iterable[Table] = (),
    ) -> None:
        """Append one page's output, or a part's; its block indexes count from 0."""
        offset = len(self.layout)
        self.layout.extend(blocks)
        for detection in detections:
            if detection.block is not None:
                detection.block += offset
            self.detections.append(detection)
        for table in tables:
            table.block += offset
            self.tables.append(table)
        self.pages.extend([page] if isinstance(page, PageInfo) else page)

    def add_result(self, part: DocumentResult) -> None:
        self.add(part.pages, part.detections, part.layout, part.tables)

    def build(self, meta: ResultMeta) -> DocumentResult:
        return DocumentResult(
            detections=self.detections,
            pages=self.pages,
            meta=meta,
            layout=self.layout,
            tables=self.tables,
            markdown=to_markdown(self.detections, self.layout, self.pages, self.tables),
        )


def merge_results(parts: Iterable[DocumentResult], seconds: float) -> DocumentResult:
    """The result of a document processed as consecutive page ranges, given in page order.

    ``seconds`` is the document's wall time and ``stage_seconds`` the sum of the parts'; the
    rest of ``meta`` is the first part's.
    """
    builder = ResultBuilder()
    first: ResultMeta | None = None
    stages: dict[str, float] = {}
    for part in parts:
        first = first or part.meta
        builder.add_result(part)
        for stage, spent in part.meta.stage_seconds.items():
            stages[stage] = round(stages.get(stage, 0.0) + spent, 3)
    if first is None:
        raise ValueError("a document has at least one part")
    return builder.build(
        first.model_copy(update={"seconds": round(seconds, 3), "stage_seconds": stages})
    )
