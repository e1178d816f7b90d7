"""Tell a document's type from its first bytes, never from its name or declared type."""

from __future__ import annotations

from enum import StrEnum


class DocumentType(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    BMP = "bmp"
    WEBP = "webp"


# PDF readers accept the header anywhere in the first KiB (ISO 32000-1, 7.5.2 and common
# practice), so a short prefix such as a BOM or mail header does not make a PDF unsupported.
_PDF_SEARCH_WINDOW = 1024
SNIFF_BYTES = _PDF_SEARCH_WINDOW


def sniff_type(head: bytes) -> DocumentType | None:
    """Return the type of a file from its leading bytes, or None if it is not supported."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentType.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return DocumentType.JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return DocumentType.TIFF
    if head.startswith(b"BM") and len(head) >= 26:
        return DocumentType.BMP
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return DocumentType.WEBP
    if b"%PDF-" in head[:_PDF_SEARCH_WINDOW]:
        return DocumentType.PDF
    return None
