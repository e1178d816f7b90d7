"""A result as hOCR: XHTML with ``ocr_page``, ``ocr_carea`` and ``ocr_par`` (one each per
layout block), ``ocr_line`` and ``ocrx_word`` elements."""

from __future__ import annotations

import itertools
import math
from html import escape

from ocr_inference import __version__
from ocr_inference.exports.markup import page_bounds, turn, words, xml_text
from ocr_inference.schemas import Block, Box, Detection, DocumentResult, PageInfo

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
<title>OCR result</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>
<meta name="ocr-system" content="ocr-inference {version}"/>
<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"/>
</head>
<body>
"""


def to_hocr(result: DocumentResult) -> bytes:
    """hOCR of the result; ``ppageno`` is the 0-based index of the page in the submitted
    file, bounding boxes are the axis-aligned bounds of the boxes, clipped to the page.

    The lines of a layout block (consecutive, as detections are in reading order) go in an
    ``ocr_carea`` holding one ``ocr_par``, both with the block's box; lines outside every
    block stand directly in the page."""
    parts = [_HEAD.format(version=escape(__version__))]
    for page in result.pages:
        n = page.page_number
        parts.append(
            f'<div class="ocr_page" id="page_{n}" '
            f'title="bbox 0 0 {page.width} {page.height}; ppageno {n - 1}">\n'
        )
        lines = enumerate((d for d in result.detections if d.page_number == n), start=1)
        runs = itertools.groupby(lines, key=lambda item: item[1].block)
        for k, (block, run) in enumerate(runs, start=1):
            area = (
                result.layout[block] if block is not None and block < len(result.layout) else None
            )
            if area is not None:
                parts.append(_open_block(area, page, f"{n}_{k}"))
            parts += [_line(line, page, f"{n}_{i}") for i, line in run]
            if area is not None:
                parts.append("</p>\n</div>\n")
        parts.append("</div>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts).encode()


def _open_block(block: Block, page: PageInfo, ident: str) -> str:
    title = _bbox(block.box, page)
    return (
        f'<div class="ocr_carea" id="block_{ident}" title="{title}">\n'
        f'<p class="ocr_par" id="par_{ident}" title="{title}">\n'
    )


def _line(line: Detection, page: PageInfo, ident: str) -> str:
    spans = [
        f'<span class="ocrx_word" id="word_{ident}_{j}" '
        f'title="{_bbox(box, page)}; x_wconf {round(confidence * 100)}">{xml_text(text)}</span>'
        for j, (text, box, confidence) in enumerate(words(line), start=1)
    ]
    return (
        f'<span class="ocr_line" id="line_{ident}" title="{_line_properties(line.box, page)}">'
        + " ".join(spans)
        + "</span>\n"
    )


def _line_properties(box: Box, page: PageInfo) -> str:
    """The line's bbox, its height as ``x_size`` and, for a line turned further than a
    scan's skew, its ``textangle`` (degrees counter-clockwise, as the page shows it)."""
    (x0, y0), _, _, (x3, y3) = box
    properties = f"{_bbox(box, page)}; x_size {math.dist((x0, y0), (x3, y3)):.1f}"
    angle = turn(box)
    return properties + (f"; textangle {angle}" if angle else "")


def _bbox(box: Box, page: PageInfo) -> str:
    x0, y0, x1, y1 = page_bounds(box, page)
    return f"bbox {x0} {y0} {x1} {y1}"
