"""What users download: a DocumentResult as plain text, hOCR, a searchable PDF or a page
image with its boxes drawn. Pure functions from a result (and page images) to bytes."""

from ocr_inference.exports.hocr import to_hocr
from ocr_inference.exports.images import draw_overlay, to_png
from ocr_inference.exports.pages import select_page
from ocr_inference.exports.pdf import PdfPage, iter_pdf, to_pdf
from ocr_inference.exports.text import to_text

__all__ = [
    "PdfPage",
    "draw_overlay",
    "iter_pdf",
    "select_page",
    "to_hocr",
    "to_pdf",
    "to_png",
    "to_text",
]
