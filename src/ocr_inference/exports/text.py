"""A result as plain text: the one renderer behind the API's ``text`` export and
``ocr-inference process --format text``."""

from __future__ import annotations

from ocr_inference.schemas import DocumentResult


def to_text(result: DocumentResult) -> bytes:
    """The lines of each page in reading order, each ending with a newline; a form feed
    separates pages, as in pdftotext's output (none after the last page)."""
    pages = []
    for page in result.pages:
        lines = [d.text for d in result.detections if d.page_number == page.page_number]
        pages.append("".join(f"{line}\n" for line in lines))
    return "\f".join(pages).encode()
