"""The Python client and ``ocr-inference submit`` against the live service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ocr_dev.factories import PAGE_LINES, encode, text_image
from ocr_dev.service import Service
from ocr_inference.cli import app
from ocr_inference.client import ApiError, Client, TaskFailed

pytestmark = pytest.mark.integration


def test_the_client_submits_waits_and_deletes(service: Service, tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(encode(text_image(PAGE_LINES[0]), "PNG"))
    seen: list[dict[str, Any]] = []
    with Client(service.base_url) as client:
        task_id = client.submit(page)
        result = client.wait(task_id, timeout=120, poll_interval=0.2, on_progress=seen.append)
        assert [d["text"] for d in result["detections"]] == PAGE_LINES[0]
        assert seen[-1]["status"] == "SUCCESS"
        try:
            exported = client.export(task_id, "text")
        except ApiError as exc:  # the export routes are not on this server yet
            assert exc.status == 404
        else:
            assert PAGE_LINES[0][0] in exported.decode()
        client.delete(task_id)
        with pytest.raises(ApiError) as gone:
            client.status(task_id)
        assert (gone.value.status, gone.value.code) == (404, "not_found")


def test_the_client_raises_task_failed(service: Service, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj garbage")
    with Client(service.base_url) as client, pytest.raises(TaskFailed) as failed:
        client.wait(client.submit(bad), timeout=120, poll_interval=0.2)
    assert failed.value.code == "corrupt_document"


def test_submit_writes_results_and_exits_1_naming_the_failure(
    service: Service, tmp_path: Path
) -> None:
    good, bad, out = tmp_path / "good.png", tmp_path / "bad.pdf", tmp_path / "out"
    good.write_bytes(encode(text_image(PAGE_LINES[1]), "PNG"))
    bad.write_bytes(b"%PDF-1.7\n1 0 obj garbage")
    args = ["submit", str(good), str(bad), "--server", service.base_url, "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"failed: {bad}: corrupt_document:" in result.stderr
    body = json.loads((out / "good.json").read_text())
    assert [d["text"] for d in body["detections"]] == PAGE_LINES[1]
    assert not (out / "bad.json").exists()
