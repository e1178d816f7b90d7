"""Every download of a real two-page TIFF processed by the real worker."""

from __future__ import annotations

import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from pydantic import TypeAdapter

from ocr_dev.chunk_checks import check_chunks
from ocr_dev.factories import PAGE_LINES, document_page, multipage, text_image
from ocr_dev.service import Service
from ocr_inference.schemas import Chunk, DocumentResult

pytestmark = pytest.mark.integration
LINES = [PAGE_LINES[1], PAGE_LINES[2]]


def test_every_export_and_the_overlay_of_a_two_page_tiff(service: Service, tmp_path: Path) -> None:
    task_id = service.submit(multipage([text_image(lines) for lines in LINES], "TIFF"), "d.tiff")
    assert service.wait(task_id)["status"] == "SUCCESS"
    url = f"{service.base_url}/api/v1/ocr/results/{task_id}"

    def get(path: str, **params: str) -> httpx.Response:
        response = httpx.get(f"{url}{path}", params=params, timeout=60)
        assert response.status_code == 200, response.text
        return response

    result = get("/export", format="json").json()
    line = result["detections"][0]
    assert " ".join(w["text"] for w in line["words"]) == line["text"] == LINES[0][0]
    assert get("/export", format="text").text.split("\f") == [
        "".join(f"{text}\n" for text in lines) for lines in LINES
    ]
    assert get("/export", format="markdown").text == result["markdown"]
    hocr = ET.fromstring(get("/export", format="hocr").content)
    words = [e.text for e in hocr.iter() if e.get("class") == "ocrx_word"]
    assert " ".join(words) == " ".join(text for lines in LINES for text in lines)

    pdf = get("/export", format="pdf").content
    assert len(pdfium.PdfDocument(pdf)) == 2
    if shutil.which("pdftotext") is not None:
        (tmp_path / "d.pdf").write_bytes(pdf)
        out = subprocess.run(["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True)
        pages = out.stdout.decode().split("\f")
        assert [[t for t in page.splitlines() if t.strip()] for page in pages[:2]] == LINES

    plain = np.asarray(Image.open(io.BytesIO(get("/pages/2.png").content)))
    drawn = np.asarray(Image.open(io.BytesIO(get("/pages/2.png", overlay="true").content)))
    assert plain.shape == drawn.shape == (500, 1400, 3)
    assert not np.array_equal(plain, drawn)
    page = get("", page="2").json()["result"]
    assert [d["text"] for d in page["detections"]] == LINES[1]


def test_chunks_of_a_two_page_report_and_bad_sizes_refused(service: Service) -> None:
    pdf = multipage([document_page(0), document_page(1)], "PDF", resolution=150)
    task_id = service.submit(pdf, "report.pdf")
    assert service.wait(task_id, timeout_s=240)["status"] == "SUCCESS"
    url = f"{service.base_url}/api/v1/ocr/results/{task_id}/export"
    result = DocumentResult.model_validate_json(httpx.get(url, timeout=60).content)

    response = httpx.get(url, params={"format": "chunks", "max_chars": "300"}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].endswith(f'filename="{task_id}.chunks.json"')
    chunks = TypeAdapter(list[Chunk]).validate_json(response.content)
    check_chunks(result, chunks, 300)
    assert {page for c in chunks for page in c.pages} == {1, 2}
    assert sum("| Item | Units | Price | Total |" in c.text for c in chunks) == 2
    assert chunks[0].headings == ["Quarterly report 0"]

    default = httpx.get(url, params={"format": "chunks"}, timeout=60)
    everything = TypeAdapter(list[Chunk]).validate_json(default.content)
    check_chunks(result, everything, 1500)  # the service's OCR_CHUNK_MAX_CHARS
    assert len(everything) < len(chunks)

    for params in (
        {"format": "chunks", "max_chars": "199"},
        {"format": "chunks", "max_chars": "100001"},
        {"format": "chunks", "max_chars": "1500.5"},
        {"format": "chunks", "max_chars": "many"},
        {"format": "text", "max_chars": "500"},
    ):
        refused = httpx.get(url, params=params, timeout=60)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.json()["code"] == "invalid_request"
        assert "max_chars" in refused.json()["detail"]
