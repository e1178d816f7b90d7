"""The pipeline's ``text_layer`` setting: born-digital PDF pages read from their own text
(``auto``, ``only``) or OCRed (``never``), with the real models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocr_dev.factories import PAGE_LINES, PdfPage, pdf_document, text_image
from ocr_inference.documents import Limits, open_document
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.engine.fake import FakeEngine
from ocr_inference.schemas import DocumentResult

TEXTS = [(72.0, 700.0, "Invoice number 4711"), (72.0, 650.0, "Total amount 1234.56 EUR")]
# page 1 has a text layer; page 2 is a scan (an image of text) the same size as the image
TEXT_PAGE = PdfPage(TEXTS)
SCAN_PAGE = PdfPage(media_box=(0, 0, 700, 250), image=text_image(PAGE_LINES[1], size=(1400, 500)))
DPI = 144


def build(mode: str, **settings: Any) -> Pipeline:
    config = {
        "text_layer": mode,
        "use_layout_detection": False,
        "use_table_recognition": False,
        **settings,
    }
    return Pipeline(PipelineConfig.model_validate(config), EngineConfig(device="cpu"))


@pytest.fixture(scope="module")
def pipelines() -> dict[str, Pipeline]:
    return {mode: build(mode) for mode in ("auto", "never", "only")}


def run(pipeline: Pipeline, pages: list[PdfPage]) -> DocumentResult:
    """Run on pages that carry their text layer, whatever the pipeline's setting."""
    document = open_document(pdf_document(pages), Limits(dpi=DPI), text_layer=True)
    return pipeline.run(document.pages, document.page_count)


def texts(result: DocumentResult, page_number: int) -> list[str]:
    return [d.text for d in result.detections if d.page_number == page_number]


def test_auto_reads_text_pages_from_their_layer_and_ocrs_the_others(
    pipelines: dict[str, Pipeline],
) -> None:
    result = run(pipelines["auto"], [TEXT_PAGE, SCAN_PAGE])
    assert [p.source for p in result.pages] == ["text_layer", "ocr"]
    assert texts(result, 1) == [text for _, _, text in TEXTS]
    assert texts(result, 2) == PAGE_LINES[1]
    assert {d.confidence for d in result.detections if d.page_number == 1} == {1.0}


def test_never_ocrs_every_page_even_one_with_a_text_layer(
    pipelines: dict[str, Pipeline],
) -> None:
    result = run(pipelines["never"], [TEXT_PAGE, SCAN_PAGE])
    assert [p.source for p in result.pages] == ["ocr", "ocr"]
    assert texts(result, 1) == [text for _, _, text in TEXTS]  # read from the pixels
    assert texts(result, 2) == PAGE_LINES[1]


def test_only_never_ocrs_and_leaves_pages_without_a_text_layer_empty(
    pipelines: dict[str, Pipeline],
) -> None:
    result = run(pipelines["only"], [TEXT_PAGE, SCAN_PAGE])
    assert [p.source for p in result.pages] == ["text_layer", "text_layer"]
    assert texts(result, 1) == [text for _, _, text in TEXTS]
    assert texts(result, 2) == []
    assert result.model_dump(mode="json")["pages"][1]["source"] == "text_layer"


@pytest.fixture
def fake() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def no_ocr(fake: FakeEngine) -> Iterator[Pipeline]:
    """An auto pipeline on the fake engine; the test fails if any of its models ran."""
    config = {"text_layer": "auto", "use_layout_detection": False, "use_table_recognition": False}
    yield Pipeline(PipelineConfig.model_validate(config), loader=fake)
    ran = [stage for stage, model in fake.models.items() if model.calls]
    assert not ran, f"an OCR model ran on a page with a text layer: {ran}"


def test_auto_runs_no_ocr_model_on_text_pages(no_ocr: Pipeline) -> None:
    document = open_document(pdf_document([TEXT_PAGE]), Limits(dpi=DPI), text_layer=True)
    (page,) = document.pages
    result = no_ocr.run([page], 1)
    assert page.text_layer is not None
    assert [d.box for d in result.detections] == [
        [list(point) for point in line.quad] for line in page.text_layer.lines
    ]
    assert result.pages[0].source == "text_layer" and result.pages[0].rotation == 0


def test_text_turned_on_the_page_reports_its_rotation(no_ocr: Pipeline) -> None:
    document = open_document(
        pdf_document([PdfPage(TEXTS, rotate=90)]), Limits(dpi=DPI), text_layer=True
    )
    (page,) = document.pages
    result = no_ocr.run([page], 1)
    assert page.text_layer is not None and result.pages[0].rotation == 90
    # read upright, boxes still on the page as submitted, first point where the text starts
    assert [d.text for d in result.detections] == [text for _, _, text in TEXTS]
    assert [d.box for d in result.detections] == [
        [list(point) for point in line.quad] for line in page.text_layer.lines
    ]


@pytest.mark.parametrize("rotate", [0, 90])
def test_text_layer_words_keep_their_own_boxes(no_ocr: Pipeline, rotate: int) -> None:
    """The layer knows where each word is drawn; shares by character count would put the
    end of "iiii" nearly halfway along a line that is mostly "WWWW"."""
    texts = [*TEXTS, (72.0, 600.0, "iiii WWWW")]
    document = open_document(
        pdf_document([PdfPage(texts, rotate=rotate)]), Limits(dpi=DPI), text_layer=True
    )
    (page,) = document.pages
    result = no_ocr.run([page], 1)
    assert page.text_layer is not None
    assert [[w.box for w in d.words] for d in result.detections] == [
        [[list(point) for point in word.quad] for word in line.words]
        for line in page.text_layer.lines
    ]


def test_layout_runs_on_text_layer_pages(eval_dir: Path) -> None:
    pdf = sorted((eval_dir / "docbank").glob("*.pdf"))[0]
    pipeline = build("auto", use_layout_detection=True)
    document = open_document(pdf.read_bytes(), Limits(dpi=200), text_layer=True)
    result = pipeline.run(document.pages, document.page_count)
    assert result.pages[0].source == "text_layer"
    assert len(result.layout) >= 5 and len(result.detections) > 100
    inside = [d for d in result.detections if d.block is not None]
    assert len(inside) >= 0.9 * len(result.detections)
    assert all(block.text for block in result.layout if block.label == "text")
