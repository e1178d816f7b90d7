from __future__ import annotations

import numpy as np
import pytest

from ocr_dev.factories import document_page
from ocr_inference.documents import Page
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.assembly import merge_results
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.schemas import Block, Detection, DocumentResult, PageInfo, ResultMeta, Table

BOX = [[0, 0], [10, 0], [10, 10], [0, 10]]
META = ResultMeta(pipeline="p", models=[], seconds=1.0, device="cpu")


def part(page_number: int, blocks: int) -> DocumentResult:
    """One page with ``blocks`` blocks, a line in the last and a table on the first."""
    return DocumentResult(
        detections=[
            Detection(
                text=f"line {page_number}",
                box=BOX,
                confidence=0.9,
                page_number=page_number,
                block=blocks - 1,
            ),
            Detection(text="loose", box=BOX, confidence=0.9, page_number=page_number),
        ],
        pages=[PageInfo(page_number=page_number, width=10, height=10, dpi=None)],
        meta=META,
        layout=[
            Block(
                page_number=page_number,
                label="text",
                box=BOX,
                confidence=0.9,
                order=i,
                text=f"block {i}",
            )
            for i in range(blocks)
        ],
        tables=[Table(page_number=page_number, block=0, box=BOX, html="<table></table>", cells=[])],
    )


def test_merged_parts_point_at_their_own_blocks() -> None:
    merged = merge_results([part(1, 2), part(2, 3), part(3, 1)], seconds=7.25)
    assert [p.page_number for p in merged.pages] == [1, 2, 3]
    assert len(merged.layout) == 6
    assert [d.block for d in merged.detections] == [1, None, 4, None, 5, None]
    assert [t.block for t in merged.tables] == [0, 2, 5]
    for table in merged.tables:
        assert merged.layout[table.block].page_number == table.page_number
    assert merged.meta.seconds == 7.25 and merged.meta.pipeline == "p"
    assert merged.markdown.count("<!-- page") == 3


def test_stage_seconds_are_summed_over_the_parts() -> None:
    first = part(1, 1)
    first.meta = META.model_copy(update={"stage_seconds": {"text_detection": 0.5}})
    second = part(2, 1)
    second.meta = META.model_copy(
        update={"stage_seconds": {"text_detection": 0.25, "text_recognition": 1.0}}
    )
    merged = merge_results([first, second], seconds=2.0)
    assert merged.meta.stage_seconds == {"text_detection": 0.75, "text_recognition": 1.0}


def test_nothing_to_merge_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        merge_results([], seconds=1.0)


def test_a_document_read_in_ranges_equals_the_document_read_whole() -> None:
    pipeline = Pipeline(PipelineConfig(), EngineConfig(device="cpu"))
    pages = [Page(n, np.asarray(document_page(n)), None) for n in (1, 2)]
    whole = pipeline.run(pages)
    merged = merge_results([pipeline.run(pages[:1]), pipeline.run(pages[1:])], seconds=1.0)
    assert len(merged.tables) == 2 and len(merged.layout) >= 6
    for field in ("detections", "pages", "layout", "tables", "markdown"):
        assert getattr(merged, field) == getattr(whole, field), field
