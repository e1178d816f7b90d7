"""ALTO v4 of a result, validated against the ALTO 4.4 schema (tests/data/alto)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ocr_dev.export_sample import sample_result
from ocr_inference.exports import to_alto
from ocr_inference.exports.alto import NAMESPACE
from ocr_inference.schemas import (
    Block,
    Detection,
    DocumentResult,
    PageInfo,
    ResultMeta,
    Table,
    TableCell,
    Word,
)

SCHEMAS = Path(__file__).parents[2] / "data" / "alto"
ALTO = {"a": NAMESPACE}


class _LocalXLink(etree.Resolver):
    """The schema imports XLink from the Library of Congress: read the copy beside it."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url.endswith("xlink.xsd"):
            return self.resolve_filename(str(SCHEMAS / "xlink.xsd"), context)
        return None


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXLink())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "alto-4-4.xsd"), parser))


def _rect(x0: int, y0: int, x1: int, y1: int) -> list[list[int]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _line(text: str, box: list[list[int]], block: int | None) -> Detection:
    (x0, y0), _, (x1, y1), _ = box
    step = (x1 - x0) // len(text.split())
    words = [
        Word(text=w, box=_rect(x0 + i * step, y0, x0 + (i + 1) * step - 5, y1), confidence=0.8)
        for i, w in enumerate(text.split())
    ]
    return Detection(text=text, box=box, confidence=0.9, page_number=1, block=block, words=words)


def two_columns() -> DocumentResult:
    """A page of two columns read left then right, a table under them and a line turned
    a quarter in the margin (``rotated`` box: its top edge runs upwards)."""
    layout = [
        Block(
            page_number=1,
            label="text",
            box=_rect(50, 50, 480, 400),
            confidence=0.9,
            order=0,
            text="a\nb",
        ),
        Block(
            page_number=1,
            label="text",
            box=_rect(520, 50, 950, 400),
            confidence=0.9,
            order=1,
            text="c\nd",
        ),
        Block(
            page_number=1,
            label="table",
            box=_rect(50, 450, 950, 600),
            confidence=0.9,
            order=2,
            text="x y",
        ),
    ]
    detections = [
        _line("Left column one", _rect(50, 50, 480, 80), 0),
        _line("Left column two", _rect(50, 100, 480, 130), 0),
        _line("Right column one", _rect(520, 50, 950, 80), 1),
        _line("Right column two", _rect(520, 100, 950, 130), 1),
        _line("cell1", _rect(60, 460, 400, 490), 2),
        _line("cell2", _rect(560, 460, 900, 490), 2),
        Detection(
            text="Sideways",
            box=[[980, 600], [980, 300], [1010, 300], [1010, 600]],
            confidence=0.7,
            page_number=1,
        ),
    ]
    cells = [
        TableCell(row=0, col=0, row_span=1, col_span=1, box=_rect(50, 450, 500, 600), text="cell1"),
        TableCell(
            row=0, col=1, row_span=1, col_span=1, box=_rect(500, 450, 950, 600), text="cell2"
        ),
    ]
    table = Table(
        page_number=1, block=2, box=_rect(50, 450, 950, 600), html="<table></table>", cells=cells
    )
    return DocumentResult(
        detections=detections,
        pages=[PageInfo(page_number=1, width=1100, height=700, dpi=300.0)],
        meta=ResultMeta(pipeline="test", models=[], seconds=0.0, device="cpu"),
        layout=layout,
        tables=[table],
    )


def test_the_alto_of_a_two_column_page_is_valid_and_in_reading_order(
    schema: etree.XMLSchema,
) -> None:
    document = etree.fromstring(to_alto(two_columns(), source="scan.png"))
    schema.assertValid(document)
    lines = [
        " ".join(s.get("CONTENT") for s in line.iterfind("a:String", ALTO))
        for line in document.iterfind(".//a:TextLine", ALTO)
    ]
    assert lines == [d.text for d in two_columns().detections]
    assert document.findtext(".//a:MeasurementUnit", namespaces=ALTO) == "pixel"
    assert document.findtext(".//a:fileName", namespaces=ALTO) == "scan.png"
    assert document.findtext(".//a:softwareName", namespaces=ALTO) == "ocr-inference"
    first = document.find(".//a:TextLine", ALTO)
    assert [child.tag.split("}")[1] for child in first] == [
        "String",
        "SP",
        "String",
        "SP",
        "String",
    ]
    assert first.find("a:String", ALTO).get("WC") == "0.8000"


def test_table_cells_are_tagged_blocks_and_a_turned_line_has_its_rotation(
    schema: etree.XMLSchema,
) -> None:
    document = etree.fromstring(to_alto(two_columns()))
    table_tag = document.find(".//a:LayoutTag[@LABEL='table']", ALTO).get("ID")
    composed = document.find(".//a:ComposedBlock", ALTO)
    assert composed.get("TYPE") == "table"
    cells = composed.findall("a:TextBlock", ALTO)
    assert [c.get("TAGREFS") for c in cells] == [table_tag, table_tag]
    assert [c.find(".//a:String", ALTO).get("CONTENT") for c in cells] == ["cell1", "cell2"]
    turned = [b for b in document.iterfind(".//a:TextBlock", ALTO) if b.get("ROTATION")]
    assert [(b.get("ROTATION"), b.find(".//a:String", ALTO).get("CONTENT")) for b in turned] == [
        ("90", "Sideways")
    ]


def test_every_page_of_a_sample_result_is_valid(schema: etree.XMLSchema) -> None:
    result = sample_result()
    result.detections[0].words[0].text = 'a "quoted" <word> & \x07bell'
    document = etree.fromstring(to_alto(result))
    schema.assertValid(document)
    assert len(document.findall(".//a:Page", ALTO)) == len(result.pages)
    assert document.find(".//a:String", ALTO).get("CONTENT") == 'a "quoted" <word> & bell'
