"""Text-line orientation never damages an upright line, and still turns an upside-down
one: on a generated page and on a real page from ../shared/eval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr_dev.factories import text_image
from ocr_inference.documents import Page
from ocr_inference.pipeline import Pipeline, PipelineConfig, models
from ocr_inference.pipeline.config import TextDetectionConfig
from ocr_inference.pipeline.engine import EngineConfig, Engines, Model
from ocr_inference.pipeline.geometry import crop_quad
from ocr_inference.pipeline.lines import Timings
from ocr_inference.pipeline.text_detection import TextDetector
from ocr_inference.pipeline.text_orientation import TextlineOrientation

LINES = ["Delivery note 2231", "Ship to the north gate", "Received in good order", "Sign here"]
TURNED = 2  # the line printed upside down
# A FUNSD form on which the line classifier nominates upright lines for turning: the
# stage that turned every nominated line misread them.
FLAGGED_PAGE = "funsd/82092117.png"


def build(textline_orientation: bool) -> Pipeline:
    config = PipelineConfig.model_validate(
        {
            "use_layout_detection": False,
            "use_table_recognition": False,
            "use_doc_orientation_classify": False,
            "use_textline_orientation": textline_orientation,
        }
    )
    return Pipeline(config, EngineConfig(device="cpu"))


@pytest.fixture(scope="module")
def pipelines() -> dict[bool, Pipeline]:
    return {on: build(on) for on in (True, False)}


def page_with_one_line_upside_down() -> np.ndarray:
    image = np.asarray(text_image(LINES, size=(1400, 560))).copy()
    top, bottom = 60 + TURNED * 96 - 10, 60 + TURNED * 96 + 62
    image[top:bottom] = np.rot90(image[top:bottom], 2)
    return np.ascontiguousarray(image)


def test_an_upside_down_line_among_upright_ones_is_read(pipelines: dict[bool, Pipeline]) -> None:
    result = pipelines[True].run([Page(1, page_with_one_line_upside_down(), None)])
    assert sorted(d.text for d in result.detections) == sorted(LINES)
    without = pipelines[False].run([Page(1, page_with_one_line_upside_down(), None)])
    assert LINES[TURNED] not in [d.text for d in without.detections]


def nominated_lines(image: np.ndarray) -> int:
    engines = Engines(EngineConfig(device="cpu"))

    def model(spec: models.ModelSpec) -> Model:
        found = models.resolve(spec)
        return engines.load(spec.stage, found.name, found.path, found.cpu_engine)

    detector = TextDetector(model(models.TEXT_DETECTION), TextDetectionConfig())
    classifier = TextlineOrientation(model(models.TEXTLINE_ORIENTATION), 0.9, 6)
    crops = [crop_quad(image, quad) for quad in detector(image).boxes]
    return sum(classifier(crops).rotated)


def test_upright_lines_the_classifier_nominates_are_left_alone(
    pipelines: dict[bool, Pipeline], eval_dir: Path
) -> None:
    image = np.asarray(Image.open(eval_dir / FLAGGED_PAGE).convert("RGB"))
    assert nominated_lines(image) >= 1  # the old stage turned these
    with_stage = pipelines[True].run([Page(1, image, None)])
    without = pipelines[False].run([Page(1, image, None)])
    assert [d.text for d in with_stage.detections] == [d.text for d in without.detections]
    assert [d.box for d in with_stage.detections] == [d.box for d in without.detections]


def test_the_second_reading_is_counted_as_line_orientation(
    pipelines: dict[bool, Pipeline],
) -> None:
    timings = Timings()
    pipelines[True].run_page(Page(1, page_with_one_line_upside_down(), None), timings)
    assert set(timings) == {"text_detection", "text_recognition", "textline_orientation"}
    assert all(seconds > 0 for seconds in timings.values())
