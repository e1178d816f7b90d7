"""A result as hOCR: XHTML with ``ocr_page``, ``ocr_line`` and ``ocrx_word`` elements."""

from __future__ import annotations

import re
from html import escape

from ocr_inference import __version__
from ocr_inference.schemas import Box, Detection, DocumentResult, PageInfo

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
<title>OCR result</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>
<meta name="ocr-system" content="ocr-inference {version}"/>
<meta name="ocr-capabilities" content="ocr_page ocr_line ocrx_word ocrp_wconf"/>
</head>
<body>
"""
# code points XML 1.0 forbids (controls, surrogates, U+FFFE/U+FFFF), which a PDF text layer
# can carry: html.escape keeps them, and a single one makes the document unreadable
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def to_hocr(result: DocumentResult) -> bytes:
    """hOCR of the result; ``ppageno`` is the 0-based index of the page in the submitted
    file, bounding boxes are the axis-aligned bounds of the boxes, clipped to the page."""
    parts = [_HEAD.format(version=escape(__version__))]
    for page in result.pages:
        n = page.page_number
        parts.append(
            f'<div class="ocr_page" id="page_{n}" '
            f'title="bbox 0 0 {page.width} {page.height}; ppageno {n - 1}">\n'
        )
        lines = [d for d in result.detections if d.page_number == n]
        for i, line in enumerate(lines, start=1):
            parts.append(_line(line, page, f"{n}_{i}"))
        parts.append("</div>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts).encode()


def _line(line: Detection, page: PageInfo, ident: str) -> str:
    words = [(w.text, w.box, w.confidence) for w in line.words] or [
        (line.text, line.box, line.confidence)
    ]
    spans = [
        f'<span class="ocrx_word" id="word_{ident}_{j}" '
        f'title="{_bbox(box, page)}; x_wconf {round(confidence * 100)}">{_text(text)}</span>'
        for j, (text, box, confidence) in enumerate(words, start=1)
    ]
    return (
        f'<span class="ocr_line" id="line_{ident}" title="{_bbox(line.box, page)}">'
        + " ".join(spans)
        + "</span>\n"
    )


def _bbox(box: Box, page: PageInfo) -> str:
    xs = [min(max(x, 0), page.width) for x, _ in box]
    ys = [min(max(y, 0), page.height) for _, y in box]
    return f"bbox {min(xs)} {min(ys)} {max(xs)} {max(ys)}"


def _text(text: str) -> str:
    return escape(_NOT_XML.sub("", text))
