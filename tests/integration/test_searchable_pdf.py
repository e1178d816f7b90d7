"""The PDF export of real uploads processed by the real worker: built on the uploaded
file, or rendered (and said so) where the uploaded PDF cannot be written back."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pikepdf
import pypdfium2 as pdfium
import pytest

from ocr_dev.factories import PAGE_LINES, PdfPage, encode, pdf_document, text_image
from ocr_dev.service import Service
from ocr_inference.api.routes.exports import FALLBACK_HEADER

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdfimages") is None,
        reason="pdftotext and pdfimages (poppler-utils) are not installed",
    ),
]
LINES = PAGE_LINES[1]
# 1400 by 500 pixels drawn over the whole page: 300 dpi, as the worker renders
SCANNED = PdfPage(image=text_image(LINES), media_box=(0, 0, 336, 120))


def _pdf_export(service: Service, data: bytes, name: str, **form: str) -> httpx.Response:
    task_id = service.submit(data, name, **form)
    assert service.wait(task_id)["status"] == "SUCCESS"
    url = f"{service.base_url}/api/v1/ocr/results/{task_id}/export"
    response = httpx.get(url, params={"format": "pdf"}, timeout=60)
    assert response.status_code == 200, response.text
    return response


def _text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "out.pdf").write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(tmp_path / "out.pdf"), "-"], capture_output=True)
    return out.stdout.decode()


def test_a_scanned_pdf_keeps_its_page_and_image_and_gains_its_words(
    service: Service, tmp_path: Path
) -> None:
    original = pdf_document([SCANNED, SCANNED])
    response = _pdf_export(service, original, "scan.pdf", pages="2")
    assert FALLBACK_HEADER not in response.headers
    with (
        pikepdf.open(io.BytesIO(response.content)) as out,
        pikepdf.open(io.BytesIO(original)) as before,
    ):
        assert len(out.pages) == 1 and list(out.pages[0].mediabox) == [0, 0, 336, 120]
        (image,) = out.pages[0].get_images().values()
        (source,) = before.pages[1].get_images().values()
        assert image.read_raw_bytes() == source.read_raw_bytes()
    assert _text(response.content, tmp_path).split() == " ".join(LINES).split()


def test_a_jpeg_upload_holds_the_uploaded_bytes(service: Service, tmp_path: Path) -> None:
    jpeg = encode(text_image(LINES), "JPEG", quality=90, dpi=(300, 300))
    response = _pdf_export(service, jpeg, "scan.jpg")
    (tmp_path / "d.pdf").write_bytes(response.content)
    subprocess.run(["pdfimages", "-j", str(tmp_path / "d.pdf"), str(tmp_path / "img")], check=True)
    assert (tmp_path / "img-000.jpg").read_bytes() == jpeg
    assert _text(response.content, tmp_path).split() == " ".join(LINES).split()


def test_a_pdf_qpdf_cannot_write_back_is_sent_rendered_and_says_so(
    service: Service, tmp_path: Path
) -> None:
    original = pdf_document([SCANNED])
    # the page tree lists itself among its kids: pdfium skips the loop, qpdf refuses it
    broken = re.sub(rb"/Kids \[(\d+) 0 R\]", rb"/Kids [\1 0 R 2 0 R]", original, count=1)
    assert broken != original
    assert len(pdfium.PdfDocument(broken)) == 1
    response = _pdf_export(service, broken, "broken.pdf")
    assert response.headers[FALLBACK_HEADER] == "rendered"
    assert "searchable PDF of rendered pages" in (service.log_dir / "api.log").read_text()
    assert _text(response.content, tmp_path).split() == " ".join(LINES).split()
