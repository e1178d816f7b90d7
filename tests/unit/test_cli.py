"""``ocr-inference process`` in-process, on files the tests render."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from factories import PAGE_LINES, encode, multipage, text_image
from ocr_inference.cli import app


def test_process_prints_the_api_result(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[0]), "PNG"))
    result = CliRunner().invoke(app, ["process", str(page)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [d["text"] for d in body["detections"]] == PAGE_LINES[0]
    assert body["pages"] == [
        {"page_number": 1, "width": 1400, "height": 500, "dpi": None, "rotation": 0}
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
