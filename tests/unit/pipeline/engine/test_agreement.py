"""ONNX Runtime and OpenVINO give the same outputs, within a stated tolerance, for every
shipped model that OpenVINO compiles, on small inputs (f32 both sides)."""

from __future__ import annotations

import numpy as np
import pytest

from ocr_inference.pipeline import models
from ocr_inference.pipeline.engine import EngineConfig, Model
from ocr_inference.pipeline.engine.onnxruntime import OnnxRuntimeModel
from ocr_inference.pipeline.engine.openvino import OpenVinoModel

# Largest absolute difference allowed between the engines' outputs (probabilities, logits
# and box regressions); measured differences are about 3e-5.
TOLERANCE = 1e-3
CONFIG = EngineConfig(device="cpu", precision="f32", threads=1)

# (model, small input shape); sizes of detection inputs are multiples of 32
INPUTS = [
    (models.PAGE_ORIENTATION, (1, 3, 224, 224)),
    (models.TEXT_DETECTION, (1, 3, 96, 128)),
    (models.TINY_TEXT_DETECTION, (1, 3, 96, 128)),
    (models.TEXTLINE_ORIENTATION, (2, 3, 48, 192)),
    (models.TEXT_RECOGNITION, (2, 3, 48, 160)),
    (models.TINY_TEXT_RECOGNITION, (2, 3, 48, 160)),
    (models.LAYOUT, (1, 3, 800, 608)),
]


def test_every_model_but_the_table_model_is_compared() -> None:
    compared = {spec.name for spec, _ in INPUTS}
    assert {spec.name for spec in models.CATALOG} - compared == {models.TABLE_STRUCTURE.name}


def outputs(model: Model, tensor: np.ndarray) -> list[np.ndarray]:
    return [np.asarray(output) for output in model(tensor)]


@pytest.mark.parametrize(("spec", "shape"), INPUTS, ids=[spec.name for spec, _ in INPUTS])
def test_openvino_agrees_with_onnxruntime(spec: models.ModelSpec, shape: tuple[int, ...]) -> None:
    found = models.resolve(spec)
    reference = OnnxRuntimeModel(found.name, found.path, CONFIG, "cpu")
    candidate = OpenVinoModel(found.name, found.path, CONFIG)
    tensor = np.random.default_rng(7).uniform(-1, 1, shape).astype(np.float32)
    expected, actual = outputs(reference, tensor), outputs(candidate, tensor)
    assert candidate.precision == "f32"
    assert [a.shape for a in actual] == [e.shape for e in expected]
    for got, want in zip(actual, expected, strict=True):
        assert float(np.abs(got - want).max()) <= TOLERANCE
    assert candidate.input_shape == reference.input_shape
    assert candidate.metadata == reference.metadata
