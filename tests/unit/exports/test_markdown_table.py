from __future__ import annotations

from ocr_inference.exports.markdown_table import table_markdown
from ocr_inference.schemas import Table, TableCell

BOX = [[0, 0], [1, 0], [1, 1], [0, 1]]


def cell(row: int, col: int, text: str, row_span: int = 1, col_span: int = 1) -> TableCell:
    return TableCell(row=row, col=col, row_span=row_span, col_span=col_span, box=BOX, text=text)


def test_spans_keep_their_text_in_the_first_slot_and_pipes_are_escaped() -> None:
    table = Table(
        page_number=1,
        block=0,
        box=BOX,
        html="",
        cells=[
            cell(0, 0, "Region", row_span=2),
            cell(0, 1, "Sales", col_span=2),
            cell(1, 1, "2023"),
            cell(1, 2, "2024"),
            cell(2, 0, "North | East"),
            cell(2, 1, "1"),
            cell(2, 2, "2"),
        ],
    )
    assert table_markdown(table) == (
        "| Region | Sales |  |\n| --- | --- | --- |\n|  | 2023 | 2024 |\n| North \\| East | 1 | 2 |"
    )


def test_a_table_without_cells_has_no_markdown() -> None:
    assert table_markdown(Table(page_number=1, block=0, box=BOX, html="", cells=[])) == ""


def test_two_cells_at_one_place_share_it() -> None:
    cells = [cell(0, 0, "Total"), cell(0, 0, "units"), cell(0, 1, "9")]
    table = Table(page_number=1, block=0, box=BOX, html="", cells=cells)
    assert table_markdown(table) == "| Total units | 9 |\n| --- | --- |"
