from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ocr_inference.errors import ModelError
from ocr_inference.pipeline import models


def test_shipped_models_match_their_checksums() -> None:
    for spec in (models.TEXT_DETECTION, models.TEXT_RECOGNITION, models.TEXTLINE_ORIENTATION):
        resolved = models.resolve(spec)
        assert resolved.sha256 == spec.sha256 and resolved.path.is_file()


def test_corrupted_model_is_a_clear_error() -> None:
    wrong = replace(models.TEXT_DETECTION, sha256="0" * 64)
    with pytest.raises(ModelError, match="corrupted"):
        models.resolve(wrong)


def test_missing_model_file_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="missing"):
        models.resolve(replace(models.TEXT_DETECTION, resource="models/nope.onnx"))
    with pytest.raises(ModelError, match="not installed"):
        models.resolve(replace(models.TEXT_DETECTION, package="no_such_package_here"))


def test_user_model_is_used_and_its_checksum_reported(tmp_path: Path) -> None:
    own = tmp_path / "my_det.onnx"
    own.write_bytes(models.resolve(models.TEXT_DETECTION).path.read_bytes())
    resolved = models.resolve_own(own, "my_det", "SubModules.TextDetection.model_path")
    assert (resolved.name, resolved.path, resolved.sha256) == (
        "my_det",
        own,
        models.TEXT_DETECTION.sha256,
    )
    with pytest.raises(ModelError, match=r"TextDetection\.model_path: model file not found"):
        models.resolve_own(tmp_path / "absent.onnx", "x", "SubModules.TextDetection.model_path")


def test_the_catalog_names_each_stages_shipped_models() -> None:
    assert models.names("text_detection") == ["PP-OCRv6_det_small", "PP-OCRv6_tiny_det"]
    assert models.get("layout", "layout_cdla") is models.LAYOUT
    with pytest.raises(ModelError, match="No shipped layout model is named 'x'"):
        models.get("layout", "x")
