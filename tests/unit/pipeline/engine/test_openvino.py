"""OpenVINO models: precision, varying shapes, and the compiled-model cache shared by
processes."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ocr_inference.errors import ModelError
from ocr_inference.pipeline import models
from ocr_inference.pipeline.engine import EngineConfig, Precision
from ocr_inference.pipeline.engine.openvino import OpenVinoModel, bf16_measured_here

RECOGNIZER = models.resolve(models.TEXT_RECOGNITION)


def recognizer(cache: Path | None = None, precision: Precision = "f32") -> OpenVinoModel:
    config = EngineConfig(
        device="cpu", engine="openvino", precision=precision, threads=1, cache_dir=cache
    )
    return OpenVinoModel(RECOGNIZER.name, RECOGNIZER.path, config)


def test_line_widths_vary_without_a_new_model() -> None:
    model = recognizer()
    for width in (64, 320, 96, 1280):
        (probs,) = model(np.zeros((2, 3, 48, width), dtype=np.float32))
        assert probs.shape[:2] == (2, width // 8)


def test_a_model_openvino_cannot_convert_is_a_model_error() -> None:
    table = models.resolve(models.TABLE_STRUCTURE)
    with pytest.raises(ModelError, match=r"OpenVINO cannot compile slanet-plus\.onnx"):
        OpenVinoModel(table.name, table.path, EngineConfig(device="cpu", engine="openvino"))


def test_the_cache_is_written_once_and_read_at_the_next_start(tmp_path: Path) -> None:
    first = recognizer(tmp_path)
    (blob,) = tmp_path.glob("*.blob")
    second = recognizer(tmp_path)
    assert (first.cached, second.cached) == (False, True)
    assert list(tmp_path.iterdir()) == [blob]  # no temporary file left behind
    tensor = np.random.default_rng(1).uniform(-1, 1, (1, 3, 48, 160)).astype(np.float32)
    assert np.array_equal(first(tensor)[0], second(tensor)[0])


def test_precisions_are_cached_apart(tmp_path: Path) -> None:
    recognizer(tmp_path)
    recognizer(tmp_path, precision="bf16")
    assert len(list(tmp_path.glob("*.blob"))) == 2


def test_auto_precision_is_bf16_only_on_the_measured_cpu_family() -> None:
    model = recognizer(precision="auto")
    assert model.precision == ("bf16" if bf16_measured_here() else "f32")
    assert recognizer(precision="f32").precision == "f32"


def test_a_damaged_blob_is_compiled_again_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recognizer(tmp_path)
    (blob,) = tmp_path.glob("*.blob")
    blob.write_bytes(b"not a compiled model")
    with caplog.at_level(logging.WARNING):
        model = recognizer(tmp_path)
    assert not model.cached and "unusable" in caplog.text
    assert recognizer(tmp_path).cached  # the blob was written anew


LOAD = """
import sys
from pathlib import Path
from ocr_inference.pipeline import models
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.engine.openvino import OpenVinoModel
found = models.resolve(models.TEXT_RECOGNITION)
config = EngineConfig(
    device="cpu", engine="openvino", precision="f32", threads=1, cache_dir=Path(sys.argv[1])
)
OpenVinoModel(found.name, found.path, config)
"""


def test_processes_starting_together_share_the_cache(tmp_path: Path) -> None:
    starts = [
        subprocess.Popen([sys.executable, "-c", LOAD, str(tmp_path)], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for process in starts:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors.decode()
    assert len(list(tmp_path.glob("*.blob"))) == 1
    assert not list(tmp_path.glob(".*"))  # every process's temporary file was renamed
    assert recognizer(tmp_path).cached


def test_an_unwritable_cache_only_costs_the_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory should be")
    with caplog.at_level(logging.WARNING):
        model = recognizer(blocked / "cache")
    assert not model.cached and "cannot write the OpenVINO cache" in caplog.text
