"""The ONNX metadata reader against ONNX Runtime's own, and on files that are not ONNX."""

from __future__ import annotations

from pathlib import Path

import onnxruntime
import pytest

from ocr_inference.errors import ModelError
from ocr_inference.pipeline import models
from ocr_inference.pipeline.engine.onnx_file import metadata


@pytest.mark.parametrize("spec", models.CATALOG, ids=[spec.name for spec in models.CATALOG])
def test_metadata_matches_onnxruntime(spec: models.ModelSpec) -> None:
    path = models.resolve(spec).path
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert metadata(path) == dict(session.get_modelmeta().custom_metadata_map)


def test_the_shipped_recognizer_carries_its_characters() -> None:
    characters = metadata(models.resolve(models.TEXT_RECOGNITION).path)["character"]
    assert len(characters.splitlines()) > 1000


@pytest.mark.parametrize("content", [b"", b"\x0a\xff\xff\xff\xff\xff", b"not a model at all"])
def test_a_file_that_is_not_onnx_is_a_model_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=r"broken\.onnx"):
        metadata(path)


def test_a_missing_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"missing\.onnx"):
        metadata(tmp_path / "missing.onnx")
