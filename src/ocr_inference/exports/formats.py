"""The export formats, in one table: each one's name (the API's ``?format=``, the command
line's ``--format``), its file extension and its media type. The API's export route,
``ocr-inference process`` and ``ocr-inference submit`` all read it.

Pure data: it imports nothing but the standard library, and ``exports/__init__`` loads the
renderers on first use, so reading the table loads no numpy or OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FormatName = Literal["json", "text", "markdown", "hocr", "pdf", "alto", "chunks"]


@dataclass(frozen=True)
class Format:
    name: FormatName
    extension: str  # without the leading dot
    media_type: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("json", "json", "application/json"),
        Format("text", "txt", "text/plain; charset=utf-8"),
        Format("markdown", "md", "text/markdown; charset=utf-8"),
        Format("hocr", "hocr", "application/xhtml+xml; charset=utf-8"),
        Format("pdf", "pdf", "application/pdf"),
        Format("alto", "xml", "application/xml; charset=utf-8"),
        Format("chunks", "chunks.json", "application/json"),
    )
}
"""Every export format, in the order the API documents them."""

LOCAL_FORMATS: tuple[FormatName, ...] = ("json", "text", "markdown", "alto", "chunks")
"""The formats ``ocr-inference process --format`` offers."""


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int


CHUNK_CHARS = Bounds(200, 100_000)
"""The chunk sizes (``max_chars``, in characters) the ``chunks`` format accepts: the API's
query, ``process --max-chars`` and ``OCR_CHUNK_MAX_CHARS``, the default, all check them."""
