from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ocr_inference.exports import to_hocr
from ocr_inference.schemas import DocumentResult

NS = "{http://www.w3.org/1999/xhtml}"


def _bbox(title: str) -> list[int]:
    match = re.search(r"bbox (\d+) (\d+) (\d+) (\d+)", title)
    assert match, title
    return [int(v) for v in match.groups()]


def _by_class(element: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in element.iter() if e.get("class") == name]


def test_hocr_is_well_formed_with_pages_lines_and_words(result: DocumentResult) -> None:
    root = ET.fromstring(to_hocr(result))
    metas = {m.get("name"): m.get("content") for m in root.iter(f"{NS}meta")}
    assert metas["ocr-system"].startswith("ocr-inference")
    assert "ocrx_word" in metas["ocr-capabilities"].split()
    pages = _by_class(root, "ocr_page")
    assert len(pages) == 2
    for index, (page, info) in enumerate(zip(pages, result.pages, strict=True)):
        title = page.get("title", "")
        assert _bbox(title) == [0, 0, info.width, info.height]
        assert f"ppageno {index}" in title
        lines = _by_class(page, "ocr_line")
        detections = [d for d in result.detections if d.page_number == info.page_number]
        assert len(lines) == len(detections)
        for line, detection in zip(lines, detections, strict=True):
            words = _by_class(line, "ocrx_word")
            assert " ".join(w.text or "" for w in words) == detection.text
            for word in [*words, line]:
                x0, y0, x1, y1 = _bbox(word.get("title", ""))
                assert 0 <= x0 < x1 <= info.width and 0 <= y0 < y1 <= info.height
            for word in words:
                conf = int(re.findall(r"x_wconf (\d+)", word.get("title", ""))[0])
                assert 0 <= conf <= 100


def test_hocr_escapes_text(result: DocumentResult) -> None:
    result.detections[0].words[0].text = '<b>&"x"'
    root = ET.fromstring(to_hocr(result))
    assert _by_class(root, "ocrx_word")[0].text == '<b>&"x"'


def test_hocr_stays_well_formed_with_characters_xml_forbids(result: DocumentResult) -> None:
    # a PDF text layer may carry a few control characters; XML 1.0 allows none of these
    result.detections[0].words[0].text = "a\x00b\x02c\x0c\ud800\ufffe"
    root = ET.fromstring(to_hocr(result))
    assert _by_class(root, "ocrx_word")[0].text == "abc"


def test_lines_of_a_layout_block_are_one_paragraph(result: DocumentResult) -> None:
    result.detections[-1].block = None  # the last line of page 2: outside every block
    root = ET.fromstring(to_hocr(result))
    for page, info in zip(_by_class(root, "ocr_page"), result.pages, strict=True):
        detections = [d for d in result.detections if d.page_number == info.page_number]
        [area] = _by_class(page, "ocr_carea")
        [par] = list(area)
        assert par.get("class") == "ocr_par"
        block = result.layout[detections[0].block or 0]
        assert (
            _bbox(area.get("title", ""))
            == _bbox(par.get("title", ""))
            == _bbox(
                f"bbox {block.box[0][0]} {block.box[0][1]} {block.box[2][0]} {block.box[2][1]}"
            )
        )
        inside = [d.text for d in detections if d.block is not None]
        assert [_line_text(line) for line in par] == inside
        loose = [e for e in page if e.get("class") == "ocr_line"]
        assert [_line_text(line) for line in loose] == [
            d.text for d in detections if d.block is None
        ]


def _line_text(line: ET.Element) -> str:
    return " ".join(w.text or "" for w in _by_class(line, "ocrx_word"))


def test_lines_carry_their_height_and_a_turned_line_its_angle(result: DocumentResult) -> None:
    upright, turned = result.detections[0], result.detections[1]
    upright.box = [[100, 50], [300, 52], [300, 92], [100, 90]]  # a scan's slight skew
    turned.box = [[100, 400], [100, 100], [140, 100], [140, 400]]  # reads bottom to top
    lines = _by_class(ET.fromstring(to_hocr(result)), "ocr_line")
    assert lines[0].get("title", "").endswith("; x_size 40.0")
    assert lines[1].get("title", "").endswith("; x_size 40.0; textangle 90")


def test_ids_are_unique_when_a_block_is_read_in_two_runs(result: DocumentResult) -> None:
    first, second = result.detections[:2]
    second.block = None  # page 1 reads block 0, a line outside it, then block 0 again
    result.detections.insert(2, first.model_copy())
    root = ET.fromstring(to_hocr(result))
    assert len(_by_class(root, "ocr_carea")) == 3
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
