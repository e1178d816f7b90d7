"""The fake engine carries a whole document through the pipeline without running a model:
the plumbing (stages, timings, meta, memory release) is tested on it."""

from __future__ import annotations

import numpy as np

from ocr_dev.factories import PAGE_LINES, text_image
from ocr_inference.documents import Page
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.engine.fake import FakeEngine


def test_a_document_goes_through_every_stage_on_the_fake_engine() -> None:
    engine = FakeEngine()
    pipeline = Pipeline(PipelineConfig(), loader=engine)
    pages = [Page(n, np.asarray(text_image(PAGE_LINES[0])), None) for n in (1, 2)]
    result = pipeline.run(pages, 2)
    assert [p.page_number for p in result.pages] == [1, 2]
    per_page = [[d for d in result.detections if d.page_number == n] for n in (1, 2)]
    assert [len(lines) for lines in per_page] == [2, 2]  # one detection per printed line
    assert all(set(d.text) == {"a"} and d.confidence == 0.99 for d in result.detections)
    assert {m.engine for m in result.meta.models} == {"fake"}
    assert set(result.meta.stage_seconds) == {
        "page_orientation",
        "text_detection",
        "textline_orientation",
        "text_recognition",
        "layout",
    }
    assert result.layout == [] and result.tables == []


def test_each_stage_gives_its_memory_back_after_each_page() -> None:
    engine = FakeEngine()
    pipeline = Pipeline(PipelineConfig(), loader=engine)
    pages = [Page(n, np.asarray(text_image(PAGE_LINES[0])), None) for n in (1, 2, 3)]
    pipeline.run(pages, 3)
    used = {stage: model for stage, model in engine.models.items() if model.calls}
    assert set(used) == {
        "doc_orientation",
        "text_detection",
        "textline_orientation",
        "text_recognition",
        "layout",
    }
    assert all(model.releases >= 3 for model in used.values())


def test_the_line_classifier_nominating_nothing_costs_no_second_reading() -> None:
    engine = FakeEngine()
    pipeline = Pipeline(PipelineConfig(), loader=engine)
    pipeline.run([Page(1, np.asarray(text_image(PAGE_LINES[0])), None)], 1)
    assert engine.models["text_recognition"].calls == 1  # one batch, read once
