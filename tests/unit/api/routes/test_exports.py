"""Export, page image and ?page= routes against a real Redis, with results planted in the
Celery backend as a worker would leave them (no worker runs)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from ocr_dev.export_sample import FONT_SIZE, PAGES, sample_result
from ocr_dev.factories import PdfPage, multipage, pdf_document, text_image
from ocr_inference.api import create_app
from ocr_inference.cli import app as cli_app
from ocr_inference.config import Settings
from ocr_inference.exports import to_alto

KEY_A, KEY_B = "k-a-0123456789abcdef", "k-b-0123456789abcdef"
URL = "/api/v1/ocr/results"


@pytest.fixture
def client(redis_url: str) -> Iterator[TestClient]:
    settings = Settings(redis_url=redis_url, api_keys=f"{KEY_A},{KEY_B}")
    with TestClient(create_app(settings), headers={"X-API-Key": KEY_A}) as test_client:
        yield test_client


def submit(client: TestClient) -> str:
    tiff = multipage([text_image(lines, font_size=FONT_SIZE) for lines in PAGES], "TIFF")
    response = client.post("/api/v1/ocr/process", files={"file": ("doc.tiff", tiff)})
    assert response.status_code == 202, response.text
    return str(response.json()["task_id"])


def succeed(client: TestClient, task_id: str) -> None:
    backend = client.app.state.services.celery.backend  # type: ignore[attr-defined]
    backend.store_result(task_id, sample_result().model_dump(mode="json"), "SUCCESS")


@pytest.fixture
def task_id(client: TestClient) -> str:
    task_id = submit(client)
    succeed(client, task_id)
    return task_id


@pytest.mark.parametrize(
    ("fmt", "media_type", "ext"),
    [
        ("json", "application/json", "json"),
        ("text", "text/plain; charset=utf-8", "txt"),
        ("markdown", "text/markdown; charset=utf-8", "md"),
        ("hocr", "application/xhtml+xml; charset=utf-8", "hocr"),
        ("pdf", "application/pdf", "pdf"),
        ("alto", "application/xml; charset=utf-8", "xml"),
    ],
)
def test_exports_are_attachments_of_their_type(
    client: TestClient, task_id: str, fmt: str, media_type: str, ext: str
) -> None:
    response = client.get(f"{URL}/{task_id}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert response.headers["content-disposition"] == f'attachment; filename="{task_id}.{ext}"'
    if fmt == "text":
        assert response.text.split("\f")[1] == "".join(f"{line}\n" for line in PAGES[1])
    if fmt == "markdown":
        assert response.text == sample_result().markdown
    if fmt == "pdf":
        document = pdfium.PdfDocument(response.content)
        assert len(document) == 2
        assert document[0].get_size() == pytest.approx((1400 * 72 / 300, 500 * 72 / 300))
        assert "X-OCR-PDF-Fallback" not in response.headers
    if fmt == "alto":
        assert response.content == to_alto(sample_result())


def test_export_defaults_to_json(client: TestClient, task_id: str) -> None:
    response = client.get(f"{URL}/{task_id}/export")
    assert response.json()["detections"][0]["words"][0]["text"] == PAGES[0][0].split()[0]


def test_unknown_format_is_422(client: TestClient, task_id: str) -> None:
    response = client.get(f"{URL}/{task_id}/export", params={"format": "docx"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")


def test_unfinished_task_is_409_not_ready(client: TestClient) -> None:
    task_id = submit(client)
    for path in ("export?format=text", "pages/1.png"):
        response = client.get(f"{URL}/{task_id}/{path}")
        assert (response.status_code, response.json()["code"]) == (409, "not_ready")


def test_unknown_id_and_other_keys_task_are_404(client: TestClient, task_id: str) -> None:
    other = {"X-API-Key": KEY_B}
    for path in (f"{task_id}/export", f"{task_id}/pages/1.png", "nope/export"):
        headers = other if path.startswith(task_id) else {}
        response = client.get(f"{URL}/{path}", headers=headers)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_page_png_with_and_without_overlay(client: TestClient, task_id: str) -> None:
    plain = client.get(f"{URL}/{task_id}/pages/2.png")
    drawn = client.get(f"{URL}/{task_id}/pages/2.png", params={"overlay": "true"})
    assert plain.headers["content-type"] == drawn.headers["content-type"] == "image/png"
    plain_image = np.asarray(Image.open(io.BytesIO(plain.content)))
    drawn_image = np.asarray(Image.open(io.BytesIO(drawn.content)))
    assert plain_image.shape == drawn_image.shape == (500, 1400, 3)
    expected = np.asarray(text_image(PAGES[1], font_size=FONT_SIZE))
    assert np.array_equal(plain_image, expected)
    assert not np.array_equal(plain_image, drawn_image)


def test_page_not_in_result_is_404(client: TestClient, task_id: str) -> None:
    for path in ("pages/3.png", "?page=3"):
        response = client.get(f"{URL}/{task_id}/{path}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_results_of_one_page(client: TestClient, task_id: str) -> None:
    body = client.get(f"{URL}/{task_id}", params={"page": 2}).json()
    result = body["result"]
    assert body["status"] == "SUCCESS"
    assert [p["page_number"] for p in result["pages"]] == [2]
    assert [d["text"] for d in result["detections"]] == PAGES[1]
    assert result["markdown"].startswith("<!-- page 2 -->")
    whole = client.get(f"{URL}/{task_id}").json()["result"]
    assert len(whole["pages"]) == 2


def test_page_filter_is_ignored_until_the_task_succeeds(client: TestClient) -> None:
    task_id = submit(client)
    body = client.get(f"{URL}/{task_id}", params={"page": 1}).json()
    assert (body["status"], body["result"]) == ("PENDING", None)


def test_pdf_pages_are_rendered_at_the_dpi_the_task_asked_for(client: TestClient) -> None:
    """A PDF submitted with dpi=144 (OCR_DPI is 300): the page image and the searchable PDF
    must show the page at the size its boxes were measured at, 2 x 72 pt at 144 dpi."""
    pdf = pdf_document([PdfPage(media_box=(0, 0, 200, 100)), PdfPage(media_box=(0, 0, 200, 100))])
    response = client.post(
        "/api/v1/ocr/process", files={"file": ("doc.pdf", pdf)}, data={"dpi": "144"}
    )
    task_id = str(response.json()["task_id"])
    result = sample_result()
    for page in result.pages:
        page.width, page.height, page.dpi = 400, 200, 144.0
    backend = client.app.state.services.celery.backend  # type: ignore[attr-defined]
    backend.store_result(task_id, result.model_dump(mode="json"), "SUCCESS")

    png = client.get(f"{URL}/{task_id}/pages/2.png")
    assert png.status_code == 200, png.text
    assert Image.open(io.BytesIO(png.content)).size == (400, 200)
    exported = client.get(f"{URL}/{task_id}/export", params={"format": "pdf"})
    document = pdfium.PdfDocument(exported.content)
    assert [document[i].get_size() for i in range(2)] == [pytest.approx((200, 100))] * 2


def test_pdf_and_page_images_of_an_expired_upload_are_410(client: TestClient, task_id: str) -> None:
    client.app.state.services.store.client.delete(f"ocr:blob:{task_id}")  # type: ignore[attr-defined]
    for path in ("export?format=pdf", "pages/1.png"):
        response = client.get(f"{URL}/{task_id}/{path}")
        assert (response.status_code, response.json()["code"]) == (410, "upload_missing")
    assert client.get(f"{URL}/{task_id}/export", params={"format": "hocr"}).status_code == 200


def test_the_text_export_is_what_process_writes(client: TestClient, tmp_path: Path) -> None:
    """One result, two ways to plain text: ``ocr-inference process --format text`` and the
    API's text export give the same bytes (a form feed between the pages)."""
    document = tmp_path / "doc.tiff"
    document.write_bytes(
        multipage([text_image(lines, font_size=FONT_SIZE) for lines in PAGES], "TIFF")
    )
    runner = CliRunner()
    as_json = runner.invoke(cli_app, ["process", str(document), "--jobs", "1"])
    as_text = runner.invoke(cli_app, ["process", str(document), "--jobs", "1", "--format", "text"])
    assert as_json.exit_code == as_text.exit_code == 0, as_json.output + as_text.output
    task_id = submit(client)
    backend = client.app.state.services.celery.backend  # type: ignore[attr-defined]
    backend.store_result(task_id, json.loads(as_json.stdout), "SUCCESS")
    exported = client.get(f"{URL}/{task_id}/export", params={"format": "text"})
    assert exported.text == as_text.stdout
    assert exported.text.split("\f") == ["".join(f"{line}\n" for line in lines) for lines in PAGES]
