from __future__ import annotations

from ocr_dev.export_sample import PAGES
from ocr_inference.exports import to_text
from ocr_inference.schemas import DocumentResult


def test_lines_in_reading_order_and_pages_separated_by_form_feed(result: DocumentResult) -> None:
    text = to_text(result).decode()
    assert text.split("\f") == ["".join(f"{line}\n" for line in lines) for lines in PAGES]
