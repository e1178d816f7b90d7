"""What the XML exports (hOCR, ALTO) write alike: text made safe for XML, a line's words,
a box's bounds on its page and how far a line is turned."""

from __future__ import annotations

import math
import re
from html import escape

from ocr_inference.schemas import Box, Detection, PageInfo

SKEW_DEG = 5.0  # degrees a line may lean and still read as upright
# code points XML 1.0 forbids (controls, surrogates, U+FFFE/U+FFFF), which a PDF text layer
# can carry: html.escape keeps them, and a single one makes the document unreadable
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` escaped for XML content and attribute values, without the code points
    XML forbids."""
    return escape(_NOT_XML.sub("", text))


def words(line: Detection) -> list[tuple[str, Box, float]]:
    """The line's words as (text, box, confidence), or the line as one word if it has none."""
    return [(w.text, w.box, w.confidence) for w in line.words] or [
        (line.text, line.box, line.confidence)
    ]


def page_bounds(box: Box, page: PageInfo) -> tuple[int, int, int, int]:
    """The box's axis-aligned bounds (x0, y0, x1, y1), clipped to the page."""
    xs = [min(max(x, 0), page.width) for x, _ in box]
    ys = [min(max(y, 0), page.height) for _, y in box]
    return min(xs), min(ys), max(xs), max(ys)


def turn(box: Box) -> int:
    """How far the line is turned, whole degrees counter-clockwise as the page shows it;
    0 within a scan's skew."""
    (x0, y0), (x1, y1), _, _ = box
    angle = math.degrees(math.atan2(y0 - y1, x1 - x0))
    return round(angle) % 360 if abs(angle) >= SKEW_DEG else 0
