"""Passages: roles, captions joined to tables, lines that no cell holds, outline levels."""

from __future__ import annotations

import pytest

from ocr_dev.layout_doc import META, LayoutDoc, rect
from ocr_inference.exports.passages import heading_level, passages
from ocr_inference.pipeline.roles import labels_by_role, role
from ocr_inference.schemas import Block, Detection, DocumentResult, Table, TableCell


def texts(result: DocumentResult) -> list[tuple[str, str]]:
    return [(p.role, p.text) for p in passages(result)]


def test_every_shipped_label_has_a_role_and_unknown_ones_read_as_text() -> None:
    cdla = ["text", "title", "figure", "figure_caption", "table", "table_caption", "header"]
    known = {label for labels in labels_by_role().values() for label in labels}
    assert all(label in known for label in [*cdla, "footer", "reference", "equation"])
    assert role("table_caption") == role("figure_caption") == "caption"
    assert role("something_new") == "other"
    doc = LayoutDoc()
    doc.block("something_new", ["a line of a new kind of block"])
    assert texts(doc.result()) == [("text", "a line of a new kind of block")]


def test_a_caption_before_a_table_is_its_own_and_one_after_is_the_next_table_s() -> None:
    doc = LayoutDoc()
    doc.block("table_caption", ["Table 1"])
    doc.table([["a", "b"]])
    doc.block("table_caption", ["Table 2"])
    doc.table([["c", "d"]])
    doc.block("table_caption", ["Table 2, continued notes"])
    assert texts(doc.result()) == [
        ("table", "Table 1\n\n| a | b |\n| --- | --- |"),
        ("table", "Table 2\n\n| c | d |\n| --- | --- |"),
        ("text", "Table 2, continued notes"),
    ]


def test_a_caption_on_another_page_or_not_next_to_the_table_stays_text() -> None:
    doc = LayoutDoc()
    doc.block("table_caption", ["Loose caption"])
    doc.block("text", ["Between."])
    doc.table([["a"]])
    doc.block("table_caption", ["On the next page"], page=2)
    assert [kind for kind, _ in texts(doc.result())] == ["text", "text", "table", "text"]


def test_lines_of_a_table_that_no_cell_holds_follow_it() -> None:
    doc = LayoutDoc()
    index = doc.block("table", ["Year", "2024", "a stray note"])
    cells = [
        TableCell(row=r, col=0, row_span=1, col_span=1, box=rect(0, 0, 1, 1), text=t)
        for r, t in enumerate(["Year", "2024"])
    ]
    doc.tables.append(
        Table(page_number=1, block=index, box=doc.layout[index].box, html="", cells=cells)
    )
    assert texts(doc.result()) == [("table", "| Year |\n| --- |\n| 2024 |\na stray note")]


def test_a_table_block_without_structure_reads_as_text() -> None:
    doc = LayoutDoc()
    doc.block("table", ["Year 2024", "Units 7"])  # table recognition off: no Table
    assert texts(doc.result()) == [("text", "Year 2024\nUnits 7")]


@pytest.mark.parametrize(
    ("title", "level"),
    [("1 Introduction", 1), ("2.1 Data", 2), ("3.2.1. Sizes", 3), ("Abstract", 1), ("2024", 1)],
)
def test_heading_levels_follow_section_numbers(title: str, level: int) -> None:
    assert heading_level(title) == level


def test_lines_side_by_side_make_one_row_of_a_paragraph() -> None:
    line = {"confidence": 0.9, "page_number": 1, "block": None}
    detections = [
        Detection(text="Item", box=rect(50, 100, 120, 130), **line),
        Detection(text="Price", box=rect(300, 102, 380, 131), **line),
        Detection(text="Apple", box=rect(50, 140, 130, 170), **line),
        Detection(text="3", box=rect(300, 141, 320, 170), **line),
        Detection(text="Far below", box=rect(50, 400, 200, 430), **line),
    ]
    result = DocumentResult(detections=detections, pages=[], meta=META, layout=[])
    found = passages(result)
    assert [p.lines for p in found] == [["Item", "Price", "Apple", "3"], ["Far below"]]
    assert found[0].sources[0].box == rect(50, 100, 380, 170)


def test_headers_and_footers_give_no_passage() -> None:
    block = Block(
        page_number=1, label="footer", box=rect(0, 0, 9, 9), confidence=1, order=0, text="7"
    )
    line = Detection(text="7", box=rect(0, 0, 9, 9), confidence=1, page_number=1, block=0)
    result = DocumentResult(detections=[line], pages=[], meta=META, layout=[block])
    assert passages(result) == []


def test_a_line_inside_a_longer_one_is_not_taken_for_it() -> None:
    doc = LayoutDoc()
    index = doc.block("table", ["1", "12", "2"])
    cells = [
        TableCell(row=0, col=c, row_span=1, col_span=1, box=rect(0, 0, 1, 1), text=t)
        for c, t in enumerate(["1 2", "12"])  # the cell of "1" and "2", the cell of "12"
    ]
    doc.tables.append(
        Table(page_number=1, block=index, box=doc.layout[index].box, html="", cells=cells)
    )
    assert texts(doc.result()) == [("table", "| 1 2 | 12 |\n| --- | --- |")]
