"""The rules every ``chunks`` export keeps, checked against the result it was cut from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ocr_inference.pipeline.roles import role
from ocr_inference.schemas import Chunk, DocumentResult

_TABLE_ROW = "| "


@dataclass
class _Item:
    kind: str  # "line" or "table"
    text: str  # a line; or a table's rows
    chunk: int


def check_chunks(result: DocumentResult, chunks: Sequence[Chunk], max_chars: int) -> None:
    """Raise AssertionError unless ``chunks`` keep the rules: each line of ``result``
    outside headers and footers is in exactly one chunk, in reading order, and nothing else
    is (a table's lines are in its Markdown rows, or follow it); a chunk has at most
    ``max_chars`` characters unless it is ``oversize`` (one line, or a table with its
    caption); ``chars``, ``pages`` and ``boxes`` agree with the text's lines."""
    items = _items(chunks)
    at = 0
    for kind, lines, pages in _expected(result):
        assert at < len(items), f"missing from the chunks: {lines}"
        item = items[at]
        if kind == "line":
            assert (item.kind, item.text) == ("line", lines[0]), (item, lines[0])
            at += 1
        else:
            assert item.kind == "table", (item, lines)
            rest = item.text
            at += 1
            missing = []
            for line in sorted(lines, key=len, reverse=True):  # "12" before "1" and "2"
                cell = line.replace("|", "\\|")
                found = rest.find(cell)
                if found >= 0:
                    rest = rest[:found] + rest[found + len(cell) :]
                else:
                    missing.append(line)
            for line in (line for line in lines if line in missing):  # they follow the table
                assert items[at] == _Item("line", line, item.chunk), (items[at], line)
                at += 1
            assert not rest.strip("|- \n\\"), f"a table holds more than its lines: {rest!r}"
        assert pages <= set(chunks[item.chunk].pages), (pages, chunks[item.chunk].pages)
    assert at == len(items), f"more in the chunks than in the result: {items[at:]}"
    for index, chunk in enumerate(chunks):
        assert chunk.chars == len(chunk.text) > 0
        assert chunk.pages == sorted({box.page for box in chunk.boxes})
        own = [item for item in items if item.chunk == index]
        if chunk.oversize:
            assert chunk.chars > max_chars
            assert any(i.kind == "table" for i in own) or len(own) == 1, own
        else:
            assert chunk.chars <= max_chars, (chunk.chars, max_chars)


def _items(chunks: Sequence[Chunk]) -> list[_Item]:
    """What the chunks hold, in order: each plain line, and each table's rows."""
    items: list[_Item] = []
    for index, chunk in enumerate(chunks):
        rows: list[str] = []
        for line in [*chunk.text.split("\n"), ""]:
            if line.startswith(_TABLE_ROW):
                rows.append(line)
                continue
            if rows:
                items.append(_Item("table", "\n".join(rows), index))
                rows = []
            if line:
                items.append(_Item("line", line, index))
    return items


def _expected(result: DocumentResult) -> list[tuple[str, list[str], set[int]]]:
    """The result's lines in reading order outside headers and footers, the lines of each
    table with cells as one entry."""
    tables = {table.block for table in result.tables if table.cells}
    expected: list[tuple[str, list[str], set[int]]] = []
    previous: int | None = None
    for detection in result.detections:
        block = detection.block
        if block is not None and role(result.layout[block].label) in ("header", "footer"):
            continue
        if block in tables and block == previous:
            expected[-1][1].append(detection.text)
        elif block in tables:
            expected.append(("table", [detection.text], {detection.page_number}))
        else:
            expected.append(("line", [detection.text], {detection.page_number}))
        previous = block
    return expected
