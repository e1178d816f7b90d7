"""The PP-DocLayout decoder: on synthetic arrays, and end to end through ``Pipeline`` on
every engine with a stand-in ONNX graph of the real export's signature under
``OCR_MODEL_DIR``, loaded from the specification's own pipeline snippet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr_dev.factories import text_image
from ocr_dev.pipeline_files import SNIPPET
from ocr_dev.standins import doclayout, doclayout_sidecar
from ocr_inference.documents import Page
from ocr_inference.errors import ConfigurationError, ModelError
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.catalog import LAYOUT_PLUS_LABELS
from ocr_inference.pipeline.config import LayoutDetectionConfig
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.engine.onnxruntime import OnnxRuntimeModel
from ocr_inference.pipeline.layout_doclayout import DocLayoutDetector, feeds, rows
from ocr_inference.pipeline.pipeline_file import load
from ocr_inference.pipeline.sidecar import model_info

PAGE = (1400, 1000)  # width, height
LINES = [
    "The quick brown fox",
    "Second page heading",
    "Invoice number 4711",
    "Total amount 1234.56 EUR",
]
# class, score and box on the page; the stand-in emits them in its 800x800 input's pixels
ON_PAGE = [
    (12, 0.90, 50.0, 50.0, 1000.0, 125.0),  # header
    (0, 0.35, 50.0, 146.0, 1000.0, 221.0),  # paragraph_title: kept by 0: 0.3 only
    (2, 0.45, 50.0, 242.0, 1350.0, 413.0),  # text: kept by 2: 0.4 only
    (1, 0.45, 50.0, 600.0, 700.0, 900.0),  # image: dropped by 1: 0.5
    (-1, 0.0, 0.0, 0.0, 0.0, 0.0),  # padding
]


def _to_input(row: tuple[int, float, float, float, float, float]) -> tuple[int, float, ...]:
    sx, sy = 800 / PAGE[0], 800 / PAGE[1]
    cls, score, x0, y0, x1, y1 = row
    return (cls, score, x0 * sx, y0 * sy, x1 * sx, y1 * sy)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OCR_MODEL_DIR with PP-DocLayout_plus-L laid out as PaddleX exports it."""
    root = tmp_path_factory.mktemp("models")
    folder = root / "PP-DocLayout_plus-L"
    doclayout(folder / "inference.onnx", [_to_input(row) for row in ON_PAGE])
    doclayout_sidecar(folder / "inference.yml", LAYOUT_PLUS_LABELS)
    return root


@pytest.fixture(scope="module")
def snippet(tmp_path_factory: pytest.TempPathFactory) -> PipelineConfig:
    path = tmp_path_factory.mktemp("config") / "PP-StructureV3.yaml"
    path.write_text(SNIPPET, encoding="utf-8")
    return PipelineConfig.model_validate(load(path, {}))


def test_feeds_are_the_three_inputs_with_height_first() -> None:
    image = np.full((1000, 1400, 3), 255, np.uint8)
    given = feeds(image, (800, 800), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    assert given["image"].shape == (1, 3, 800, 800) and given["image"].dtype == np.float32
    assert np.allclose(given["image"], 1.0)
    assert given["im_shape"].tolist() == [[800.0, 800.0]]
    assert np.allclose(given["scale_factor"], [[0.8, 800 / 1400]])


def test_rows_drop_padding_and_rows_past_the_count() -> None:
    table = np.array([[2, 0.9, 1, 2, 3, 4], [-1, 0, 0, 0, 0, 0], [5, 0.8, 5, 6, 7, 8]], np.float32)
    boxes, scores = rows([table, np.array([2], np.int32)], classes=20)
    assert boxes.tolist() == [[1, 2, 3, 4]]
    assert scores.shape == (1, 20) and scores[0, 2] == pytest.approx(0.9)
    with pytest.raises(ModelError, match=r"\(N, 6\)"):
        rows([np.zeros((3, 5), np.float32)], classes=20)


def test_sidecar_gives_labels_and_preprocessing(model_dir: Path) -> None:
    facts = model_info(model_dir / "PP-DocLayout_plus-L" / "inference.onnx", None)
    assert facts.labels == LAYOUT_PLUS_LABELS
    assert facts.input_size == (800, 800) and facts.mean == (0.0, 0.0, 0.0)
    assert facts.source.endswith("inference.yml")


def _blocks(page: list[list[int]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in page], [p[1] for p in page]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.parametrize("engine", ["onnxruntime", "openvino"])
def test_the_snippet_runs_end_to_end_with_the_model_brought(
    engine: str, model_dir: Path, snippet: PipelineConfig
) -> None:
    pipeline = Pipeline(
        snippet,
        EngineConfig(device="cpu", engine=engine),
        model_dir=model_dir,  # type: ignore[arg-type]
    )
    page = Page(1, np.asarray(text_image(LINES, size=PAGE)), None)
    result = pipeline.run([page])

    assert [block.label for block in result.layout] == ["paragraph_title", "text", "header"]
    expected = {12: ON_PAGE[0], 0: ON_PAGE[1], 2: ON_PAGE[2]}
    for block, cls in zip(result.layout, [0, 2, 12], strict=True):
        assert _blocks(block.box) == pytest.approx(expected[cls][2:], abs=2)
        assert block.confidence == pytest.approx(expected[cls][1], abs=1e-3)
    assert result.layout[0].text == "Second page heading"
    assert result.layout[1].text == "Invoice number 4711\nTotal amount 1234.56 EUR"
    assert "## Second page heading" in result.markdown
    assert "quick brown fox" not in result.markdown  # a header: page furniture
    layout_model = next(m for m in result.meta.models if m.name == "PP-DocLayout_plus-L")
    assert layout_model.engine == engine


def test_thresholds_by_label_use_the_models_own_classes(model_dir: Path) -> None:
    path = model_dir / "PP-DocLayout_plus-L" / "inference.onnx"
    model = OnnxRuntimeModel("PP-DocLayout_plus-L", path, EngineConfig(device="cpu"), "cpu")
    facts = model_info(path, None)
    by_label = LayoutDetectionConfig(
        model_name="PP-DocLayout_plus-L", threshold={"paragraph_title": 0.4, "image": 0.4}
    )
    found = DocLayoutDetector(model, by_label, facts)(np.full((1000, 1400, 3), 255, np.uint8))
    # paragraph_title (0.35) now falls below its 0.4, image (0.45) passes, and text (0.45)
    # below the 0.5 of classes left out
    assert sorted(block.label for block in found.blocks) == ["header", "image"]
    with pytest.raises(ConfigurationError, match="no class 'title'"):
        DocLayoutDetector(
            model,
            LayoutDetectionConfig(model_name="PP-DocLayout_plus-L", threshold={"title": 0.1}),
            facts,
        )


def test_a_model_with_other_inputs_stops_start_up_naming_the_file(
    tmp_path: Path, snippet: PipelineConfig
) -> None:
    from ocr_dev.standins import db_detection

    db_detection(tmp_path / "PP-DocLayout_plus-L.onnx")  # input x: not a PP-DocLayout export
    with pytest.raises(ModelError, match=r"PP-DocLayout_plus-L\.onnx has inputs \['x'\]"):
        Pipeline(snippet, EngineConfig(device="cpu", engine="onnxruntime"), model_dir=tmp_path)


def test_a_file_that_is_not_onnx_stops_start_up_naming_it(
    tmp_path: Path, snippet: PipelineConfig
) -> None:
    (tmp_path / "PP-DocLayout_plus-L.onnx").write_bytes(b"not a model")
    with pytest.raises(
        ConfigurationError, match=r"Cannot load ONNX model .*PP-DocLayout_plus-L\.onnx"
    ):
        Pipeline(snippet, EngineConfig(device="cpu", engine="onnxruntime"), model_dir=tmp_path)
