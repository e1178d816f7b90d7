"""A table as a Markdown (GFM) pipe table, for the ``chunks`` export.

A pipe table has no spans: a spanning cell's text stands in its first row and column and
the others it covers stay empty. The first row is the header row, as Markdown needs one.
"""

from __future__ import annotations

from ocr_inference.schemas import Table

_ESCAPED = str.maketrans({"|": "\\|", "\n": " "})


def table_markdown(table: Table) -> str:
    """``table`` as a pipe table; empty when it has no cells."""
    if not table.cells:
        return ""
    rows = max(cell.row + cell.row_span for cell in table.cells)
    cols = max(cell.col + cell.col_span for cell in table.cells)
    grid = [["" for _ in range(cols)] for _ in range(rows)]
    for cell in table.cells:  # two cells at one place (a structure's slip) share it
        text = f"{grid[cell.row][cell.col]} {cell.text.translate(_ESCAPED)}"
        grid[cell.row][cell.col] = text.strip()
    lines = [_row(grid[0]), _row(["---"] * cols)]
    lines += [_row(row) for row in grid[1:]]
    return "\n".join(lines)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
