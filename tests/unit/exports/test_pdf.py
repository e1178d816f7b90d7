from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from ocr_dev.export_sample import PAGES, page_images
from ocr_inference.exports import PdfPage, iter_pdf, to_pdf
from ocr_inference.schemas import Block, Detection, DocumentResult, PageInfo, ResultMeta, Word


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


def test_text_in_any_script_is_extracted_as_recognized(
    result: DocumentResult, tmp_path: Path
) -> None:
    words = result.detections[0].words
    words[0].text, words[1].text = "发票号码", "Ωμέγα€"
    words[2].text = "𝔘"  # beyond the Basic Multilingual Plane
    text = pdfium.PdfDocument(_pdf(result))[0].get_textpage().get_text_range()
    assert "发票号码" in text and "Ωμέγα€" in text and "\ufffd" in text
    if shutil.which("pdftotext") is not None:
        path = tmp_path / "scripts.pdf"
        path.write_bytes(_pdf(result))
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        assert "发票号码 Ωμέγα€" in out.stdout.decode()


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


def _two_columns() -> tuple[DocumentResult, list[str], list[str]]:
    """A page of two 12-line columns, one layout block each, whose line boxes vary in
    height from line to line as detected boxes do (ascenders, descenders, padding)."""
    columns: list[list[str]] = [
        [f"left {row} alpha beta gamma delta" for row in range(12)],
        [f"right {row} one two three four" for row in range(12)],
    ]
    detections, layout = [], []
    for block, (x0, lines) in enumerate(zip((100, 1300), columns, strict=True)):
        for row, text in enumerate(lines):
            height = (36, 44, 40)[row % 3]
            bottom = 200 + row * 52
            tokens, words, x = text.split(" "), [], x0
            for token in tokens:
                width = 24 * len(token)
                box = _rect(x, bottom - height, x + width, bottom)
                words.append(Word(text=token, box=box, confidence=0.9))
                x += width + 20
            detections.append(
                Detection(
                    text=text,
                    box=_rect(x0, bottom - height, x - 20, bottom),
                    confidence=0.9,
                    page_number=1,
                    block=block,
                    words=words,
                )
            )
        layout.append(
            Block(
                page_number=1,
                label="text",
                box=_rect(x0, 150, x0 + 1000, 800),
                confidence=0.9,
                order=block,
                text="\n".join(lines),
            )
        )
    result = DocumentResult(
        detections=detections,
        pages=[PageInfo(page_number=1, width=2400, height=1000, dpi=300.0)],
        meta=ResultMeta(pipeline="test", models=[], seconds=0.0, device="cpu"),
        layout=layout,
    )
    return result, columns[0], columns[1]


def _rect(x0: int, y0: int, x1: int, y1: int) -> list[list[int]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)
def test_pdftotext_reads_two_columns_one_after_the_other(tmp_path: Path) -> None:
    result, left, right = _two_columns()
    path = tmp_path / "columns.pdf"
    path.write_bytes(to_pdf(result, [PdfPage(1, np.full((1000, 2400, 3), 255, np.uint8))]))
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    assert [line for line in out.stdout.decode().splitlines() if line.strip()] == left + right


def _text_in(page: pdfium.PdfPage, box: list[list[int]], dpi: float) -> str:
    """The characters pdfium finds centred within a pixel box of a page rendered at
    ``dpi``, by their loose boxes (the font's em, which a viewer highlights: the glyphs
    themselves are empty)."""
    scale, height = 72 / dpi, page.get_height()
    xs, ys = [x * scale for x, _ in box], [height - y * scale for _, y in box]
    textpage = page.get_textpage()
    found = []
    for index in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        x, y = (left + right) / 2, (bottom + top) / 2
        if min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys):
            found.append(textpage.get_text_range(index, 1))
    return "".join(found).strip()


def test_each_word_is_placed_on_its_box() -> None:
    result, _, _ = _two_columns()
    page = pdfium.PdfDocument(
        to_pdf(result, [PdfPage(1, np.full((1000, 2400, 3), 255, np.uint8))])
    )[0]
    for line in result.detections:
        for word in line.words:
            assert _text_in(page, word.box, 300.0) == word.text


def test_a_turned_line_is_written_along_its_box() -> None:
    """A line read top to bottom (the page turned 90 degrees): its box starts at the
    top-right corner, and its words run down the page."""
    result, _, _ = _two_columns()
    words = [("turned", 100, 260), ("text", 290, 390)]
    result.detections = [
        Detection(
            text="turned text",
            box=[[540, 100], [540, 390], [500, 390], [500, 100]],
            confidence=0.9,
            page_number=1,
            words=[
                Word(text=text, box=[[540, y0], [540, y1], [500, y1], [500, y0]], confidence=0.9)
                for text, y0, y1 in words
            ],
        )
    ]
    page = pdfium.PdfDocument(
        to_pdf(result, [PdfPage(1, np.full((1000, 2400, 3), 255, np.uint8))])
    )[0]
    for text, y0, y1 in words:
        assert _text_in(page, [[500, y0], [540, y1]], 300.0) == text
