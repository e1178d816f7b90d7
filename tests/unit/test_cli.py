"""``ocr-inference process`` in-process, on files the tests render."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from factories import PAGE_LINES, encode, multipage, text_image
from ocr_inference.cli import app
from ocr_inference.config import get_settings
from ocr_inference.pipeline import PipelineConfig


def test_process_prints_the_api_result(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[0]), "PNG"))
    result = CliRunner().invoke(app, ["process", str(page)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [d["text"] for d in body["detections"]] == PAGE_LINES[0]
    assert body["pages"] == [
        {
            "page_number": 1,
            "width": 1400,
            "height": 500,
            "dpi": None,
            "rotation": 0,
            "source": "ocr",
        }
    ]


def test_directory_batch_writes_one_file_each_and_survives_a_bad_one(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    (inputs / "a.tiff").write_bytes(
        multipage([text_image(PAGE_LINES[0]), text_image(PAGE_LINES[2])], "TIFF")
    )
    (inputs / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    (inputs / "notes.txt").write_text("not a document")
    result = CliRunner().invoke(app, ["process", str(inputs), "--output", str(out)])
    assert result.exit_code == 1  # one file failed, the others were still written
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "b.json"]
    good = json.loads((out / "a.json").read_text())
    assert [d["text"] for d in good["detections"]] == PAGE_LINES[0] + PAGE_LINES[2]
    assert json.loads((out / "b.json").read_text())["code"] == "corrupt_document"


def test_text_format(tmp_path: Path) -> None:
    page = tmp_path / "page.webp"
    page.write_bytes(encode(text_image(PAGE_LINES[1]), "WEBP", lossless=True))
    result = CliRunner().invoke(app, ["process", str(page), "--format", "text"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == PAGE_LINES[1]


def test_markdown_format(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[0]), "PNG"))
    result = CliRunner().invoke(app, ["process", str(page), "--format", "markdown"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<!-- page 1 -->\n\n")
    assert all(text in result.stdout for text in PAGE_LINES[0])


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_config_show_prints_the_effective_pipeline_file(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCR_PIPELINE__SUBMODULES__TEXTDETECTION__LIMIT_SIDE_LEN", "1600")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    shown = PipelineConfig.model_validate(yaml.safe_load(result.stdout))
    assert shown.sub_modules.text_detection.limit_side_len == 1600
    assert (
        shown.model_copy(update={"sub_modules": PipelineConfig().sub_modules}) == PipelineConfig()
    )


def test_config_show_all_adds_the_service_settings_without_secrets(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:s3cret@redis.internal:6380/1")
    result = CliRunner().invoke(app, ["config", "show", "--all"])
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.stdout)
    assert shown["service"]["redis_url"] == "redis://:***@redis.internal:6380/1"
    assert "s3cret" not in result.stdout
    assert shown["pipeline"]["pipeline_name"] == "PP-StructureV3"


def test_every_command_refuses_to_start_on_a_bad_config(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCR_PIPELINE__USE_FORMULA_RECOGNITION", "true")
    for command in (["config", "show"], ["serve"], ["worker"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2
        assert "pipeline.use_formula_recognition: no formula recognition model" in result.output


def test_the_worker_refuses_to_start_without_its_models(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OCR_PIPELINE__SUBMODULES__TEXTRECOGNITION__MODEL_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "SubModules.TextRecognition.model_dir: model file not found" in result.output
