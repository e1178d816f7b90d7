"""Documents to pages: type sniffing, limits, PDF rendering and image decoding."""

from ocr_inference.documents.loader import Document, detect_type, open_document
from ocr_inference.documents.page import Limits, Page
from ocr_inference.documents.sniff import SNIFF_BYTES, DocumentType, sniff_type

__all__ = [
    "SNIFF_BYTES",
    "Document",
    "DocumentType",
    "Limits",
    "Page",
    "detect_type",
    "open_document",
    "sniff_type",
]
