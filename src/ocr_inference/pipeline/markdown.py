"""A DocumentResult as Markdown: blocks in reading order, titles as headings, page markers."""

from __future__ import annotations

import re
from itertools import groupby

from ocr_inference.pipeline.roles import MARGINAL, role
from ocr_inference.schemas import Block, Detection, PageInfo, Table

_INLINE = re.compile(r"([\\`*_\[\]<>&])")
_ORDERED = re.compile(r"^(\d+)([.)])")
_CLOSING = re.compile(r"( )(#+)$")  # what CommonMark reads as a heading's closing sequence


def to_markdown(
    detections: list[Detection],
    layout: list[Block],
    pages: list[PageInfo],
    tables: list[Table] | None = None,
) -> str:
    """Markdown of the recognized text; ``<!-- page N -->`` starts each page and tables are
    HTML, so that their spans survive."""
    table_html = {table.block: table.html for table in tables or []}
    parts: list[str] = []
    for page in pages:
        parts.append(f"<!-- page {page.page_number} -->")
        lines = [d for d in detections if d.page_number == page.page_number]
        for block, group in groupby(lines, key=lambda d: d.block):
            kind = role(layout[block].label) if block is not None else "text"
            if kind in MARGINAL:  # page furniture: repeats on every page, interrupts the text
                continue
            if block in table_html:
                parts.append(table_html[block])
                continue
            text = join_lines([d.text for d in group])
            parts.append(_heading(text) if kind == "title" else _escape(text))
    return "\n\n".join(parts) + "\n"


def join_lines(lines: list[str]) -> str:
    """Lines of a block as one paragraph; a word hyphenated at a line end is joined again."""
    text = ""
    for line in lines:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return text


def _heading(text: str) -> str:
    """A title as an ATX heading of exactly its text: a run of ``#`` after a space at its
    end would otherwise close the heading and vanish."""
    return "## " + _CLOSING.sub(r"\1\\\2", _escape(text))


def _escape(text: str) -> str:
    """Recognized text as Markdown that renders as exactly that text: characters that
    start emphasis, code, links or raw HTML are escaped anywhere (so ``<script>`` stays
    text in every renderer), and those that start a heading, quote, list or table only
    at the start of the paragraph."""
    text = _INLINE.sub(r"\\\1", text)
    if text[:1] in "#>-+|=~":
        return "\\" + text
    return _ORDERED.sub(r"\1\\\2", text)
