from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ocr_inference.exports import PdfPage, iter_pdf, to_pdf
from ocr_inference.schemas import DocumentResult
from unit.exports.sample import PAGES, page_images


def _pdf(result: DocumentResult) -> bytes:
    return to_pdf(result, [PdfPage(n, image) for n, image in enumerate(page_images(), 1)])


def test_pages_are_sized_from_the_image_and_its_dpi(result: DocumentResult) -> None:
    result.pages[1].dpi = 150.0
    document = pdfium.PdfDocument(_pdf(result))
    assert len(document) == 2
    # 1400 x 500 pixels: at the assumed 300 dpi, then at 150
    assert document[0].get_size() == pytest.approx((336, 120), abs=0.01)
    assert document[1].get_size() == pytest.approx((672, 240), abs=0.01)


def test_pdfium_finds_the_text_layer(result: DocumentResult) -> None:
    document = pdfium.PdfDocument(_pdf(result))
    text = document[0].get_textpage().get_text_range()
    assert PAGES[0][0].split(" ")[0] in text


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)
def test_pdftotext_reads_the_words_in_reading_order(result: DocumentResult, tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(_pdf(result))
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    pages = out.stdout.decode().split("\f")
    for lines, page in zip(PAGES, pages, strict=False):
        assert [line for line in page.splitlines() if line.strip()] == lines


def test_characters_outside_winansi_become_question_marks(result: DocumentResult) -> None:
    result.detections[0].words[0].text = "Ω€"
    text = pdfium.PdfDocument(_pdf(result))[0].get_textpage().get_text_range()
    assert "?€" in text


def test_each_page_is_written_out_before_the_next_image_is_read(result: DocumentResult) -> None:
    """A long document is exported page by page: a page's bytes leave before the next page
    image is decoded, so memory holds one page, never the whole file."""
    jpeg_start = b"\xff\xd8\xff"
    sent = bytearray()
    images_sent_before: list[int] = []  # as each page image is taken

    def lazily() -> Iterator[PdfPage]:
        for number, image in enumerate(page_images(), 1):
            images_sent_before.append(bytes(sent).count(jpeg_start))
            yield PdfPage(number, image)

    for chunk in iter_pdf(result, lazily()):
        sent += chunk
    assert images_sent_before == [0, 1]
    assert bytes(sent) == _pdf(result)
    assert len(pdfium.PdfDocument(bytes(sent))) == 2
