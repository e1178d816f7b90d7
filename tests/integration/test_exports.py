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

from ocr_dev.factories import PAGE_LINES, multipage, text_image
from ocr_dev.service import Service

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
