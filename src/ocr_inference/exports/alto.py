"""A result as ALTO XML, version 4 (the Library of Congress' layout and text format).

``Description`` (pixels, the source image, this software as the processing step), one
``LayoutTag`` per layout label, then per page a ``Page`` with one ``PrintSpace`` holding
the page's layout blocks in reading order: each a ``TextBlock`` tagged with its label, its
``TextLine``s, their ``String``s (``WC``: the word's confidence) with ``SP`` between them.
A table is a ``ComposedBlock`` of type table whose cells are text blocks tagged as table,
each with the lines whose centre lies in it. ALTO 4 has no rotation for a line, so lines
turned further than a scan's skew go in a text block of their own with ``ROTATION``
(degrees counter-clockwise). Positions are the axis-aligned bounds of the boxes, clipped
to the page.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ocr_inference import __version__
from ocr_inference.exports.markup import page_bounds, turn, words, xml_text
from ocr_inference.schemas import Box, Detection, DocumentResult, PageInfo, Table

NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#"
_SCHEMA = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
_TABLE = "table"


def to_alto(result: DocumentResult, source: str = "") -> bytes:
    """ALTO v4 of the result; ``source`` names the file it was read from."""
    labels = sorted({block.label for block in result.layout} | {_TABLE})
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<alto xmlns="{NAMESPACE}" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NAMESPACE} {_SCHEMA}">\n'
        "<Description>\n<MeasurementUnit>pixel</MeasurementUnit>\n"
        f"<sourceImageInformation><fileName>{xml_text(source)}</fileName>"
        "</sourceImageInformation>\n"
        '<Processing ID="processing_1"><processingStepDescription>layout analysis and text '
        "recognition</processingStepDescription><processingSoftware><softwareName>"
        f"ocr-inference</softwareName><softwareVersion>{xml_text(__version__)}"
        "</softwareVersion></processingSoftware></Processing>\n</Description>\n<Tags>\n",
        *(f'<LayoutTag ID="{_tag(label)}" LABEL="{xml_text(label)}"/>\n' for label in labels),
        "</Tags>\n<Layout>\n",
    ]
    for page in result.pages:
        parts += _page(result, page)
    parts.append("</Layout>\n</alto>\n")
    return "".join(parts).encode()


def _page(result: DocumentResult, page: PageInfo) -> Iterator[str]:
    n = page.page_number
    yield (
        f'<Page ID="page_{n}" PHYSICAL_IMG_NR="{n}" WIDTH="{page.width}" '
        f'HEIGHT="{page.height}" PROCESSINGREFS="processing_1">\n'
        f'<PrintSpace HPOS="0" VPOS="0" WIDTH="{page.width}" HEIGHT="{page.height}">\n'
    )
    tables = {table.block: table for table in result.tables if table.page_number == n}
    lines = [d for d in result.detections if d.page_number == n]
    for k, (block, run) in enumerate(itertools.groupby(lines, key=lambda d: d.block), 1):
        members = list(run)
        ident = f"{n}_{k}"
        if block is not None and block in tables:
            yield from _table(tables[block], members, page, ident)
            continue
        label = result.layout[block].label if block is not None else None
        area = result.layout[block].box if block is not None else None
        yield from _text_blocks(members, page, ident, label, area)
    yield "</PrintSpace>\n</Page>\n"


def _table(table: Table, lines: list[Detection], page: PageInfo, ident: str) -> Iterator[str]:
    yield f'<ComposedBlock ID="block_{ident}" {_position(table.box, page)} TYPE="table">\n'
    left = list(lines)
    for c, cell in enumerate(table.cells, 1):
        inside = [line for line in left if _within(line.box, cell.box)]
        left = [line for line in left if line not in inside]
        if not inside and not cell.text:
            continue
        yield (
            f'<TextBlock ID="block_{ident}_cell_{c}" {_position(cell.box, page)} '
            f'TAGREFS="{_tag(_TABLE)}">\n'
        )
        if inside:
            yield from (_line(line, page, f"{ident}_{c}_{i}") for i, line in enumerate(inside, 1))
        else:
            yield (
                f'<TextLine ID="line_{ident}_{c}" {_position(cell.box, page)}>'
                f'<String CONTENT="{xml_text(cell.text)}"/></TextLine>\n'
            )
        yield "</TextBlock>\n"
    if left:
        yield from _text_blocks(left, page, f"{ident}_rest", _TABLE, None)
    yield "</ComposedBlock>\n"


def _text_blocks(
    lines: list[Detection], page: PageInfo, ident: str, label: str | None, area: Box | None
) -> Iterator[str]:
    """The lines in one text block, or one per run of lines turned alike."""
    turned = itertools.groupby(lines, key=lambda line: turn(line.box))
    runs = [(angle, list(run)) for angle, run in turned]
    for m, (angle, run) in enumerate(runs, 1):
        block_id = ident if len(runs) == 1 else f"{ident}_{m}"
        box = area if area is not None and len(runs) == 1 else _bounds([d.box for d in run])
        tag = f' TAGREFS="{_tag(label)}"' if label else ""
        rotation = f' ROTATION="{angle}"' if angle else ""
        yield f'<TextBlock ID="block_{block_id}" {_position(box, page)}{rotation}{tag}>\n'
        yield from (_line(line, page, f"{block_id}_{i}") for i, line in enumerate(run, 1))
        yield "</TextBlock>\n"


def _line(line: Detection, page: PageInfo, ident: str) -> str:
    strings = [
        f'<String ID="string_{ident}_{j}" CONTENT="{xml_text(text)}" {_position(box, page)} '
        f'WC="{min(max(confidence, 0.0), 1.0):.4f}"/>'
        for j, (text, box, confidence) in enumerate(words(line), 1)
    ]
    return (
        f'<TextLine ID="line_{ident}" {_position(line.box, page)}>' + "<SP/>".join(strings)
    ) + "</TextLine>\n"


def _within(box: Box, cell: Box) -> bool:
    cx = sum(x for x, _ in box) / 4
    cy = sum(y for _, y in box) / 4
    xs, ys = [x for x, _ in cell], [y for _, y in cell]
    return min(xs) <= cx <= max(xs) and min(ys) <= cy <= max(ys)


def _bounds(boxes: list[Box]) -> Box:
    xs = [x for box in boxes for x, _ in box]
    ys = [y for box in boxes for _, y in box]
    return [[min(xs), min(ys)], [max(xs), min(ys)], [max(xs), max(ys)], [min(xs), max(ys)]]


def _position(box: Box, page: PageInfo) -> str:
    x0, y0, x1, y1 = page_bounds(box, page)
    return f'HPOS="{x0}" VPOS="{y0}" WIDTH="{x1 - x0}" HEIGHT="{y1 - y0}"'


def _tag(label: str) -> str:
    """The ID of a label's ``LayoutTag`` (an XML name whatever the label)."""
    return "tag_" + "".join(c if c.isalnum() else "_" for c in label)
