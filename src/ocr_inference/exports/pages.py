"""One page's part of a result."""

from __future__ import annotations

from ocr_inference.pipeline.markdown import to_markdown
from ocr_inference.schemas import DocumentResult


def select_page(result: DocumentResult, page_number: int) -> DocumentResult | None:
    """The part of ``result`` on page ``page_number`` (None if the result has no such page).

    Block indexes (``Detection.block``, ``Table.block``) are renumbered to index the page's
    own ``layout``; its ``markdown`` is made from the page's part, exactly as the worker
    makes each page's section of the whole document's.
    """
    pages = [p for p in result.pages if p.page_number == page_number]
    if not pages:
        return None
    kept = [i for i, block in enumerate(result.layout) if block.page_number == page_number]
    index = {old: new for new, old in enumerate(kept)}
    detections = [
        d.model_copy(update={"block": None if d.block is None else index.get(d.block)})
        for d in result.detections
        if d.page_number == page_number
    ]
    layout = [result.layout[i] for i in kept]
    tables = [
        t.model_copy(update={"block": index[t.block]})
        for t in result.tables
        if t.page_number == page_number and t.block in index
    ]
    return DocumentResult(
        detections=detections,
        pages=pages,
        meta=result.meta,
        layout=layout,
        tables=tables,
        markdown=to_markdown(detections, layout, pages, tables),
    )
