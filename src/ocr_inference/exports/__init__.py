"""What users download: a DocumentResult as plain text, hOCR, ALTO, a searchable PDF, chunks
for retrieval or a page image with its boxes drawn. Pure functions from a result (and page
images) to bytes.

The names below load on first use, so that ``exports.formats`` (the format table, which the
command line reads at start) comes without numpy or OpenCV.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocr_inference.exports.alto import to_alto
    from ocr_inference.exports.chunks import to_chunks
    from ocr_inference.exports.hocr import to_hocr
    from ocr_inference.exports.images import draw_overlay, to_png
    from ocr_inference.exports.pages import select_page
    from ocr_inference.exports.pdf import PdfPage, iter_pdf, to_pdf
    from ocr_inference.exports.text import to_text

_PUBLIC = {
    "PdfPage": "pdf",
    "draw_overlay": "images",
    "iter_pdf": "pdf",
    "select_page": "pages",
    "to_alto": "alto",
    "to_chunks": "chunks",
    "to_hocr": "hocr",
    "to_pdf": "pdf",
    "to_png": "images",
    "to_text": "text",
}

__all__ = [
    "PdfPage",
    "draw_overlay",
    "iter_pdf",
    "select_page",
    "to_alto",
    "to_chunks",
    "to_hocr",
    "to_pdf",
    "to_png",
    "to_text",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
