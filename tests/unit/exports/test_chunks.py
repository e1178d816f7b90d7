"""The chunks export's rules, on results built here line by line."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr_dev.chunk_checks import check_chunks
from ocr_dev.factories import document_page
from ocr_dev.layout_doc import LayoutDoc, rect
from ocr_inference.documents import Page
from ocr_inference.exports.chunks import chunks, split_lines, to_chunks
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.schemas import DocumentResult


def words(n: int, seed: int = 0, end: str = "") -> str:
    """A line of ``n`` characters (with ``end`` as its last ones)."""
    text = " ".join(f"w{seed}x{k}" for k in range(n))[: n - len(end)].rstrip()
    return text.ljust(n - len(end), "z") + end


def test_breaks_fall_between_blocks_when_blocks_fit() -> None:
    doc = LayoutDoc()
    paragraphs = [[words(95, 10 * b + i) for i in range(4)] for b in range(3)]  # 383 chars each
    for lines in paragraphs:
        doc.block("text", lines)
    result = doc.result()
    got = chunks(result, 800)
    check_chunks(result, got, 800)
    assert [c.text for c in got] == [
        "\n".join(paragraphs[0]) + "\n\n" + "\n".join(paragraphs[1]),
        "\n".join(paragraphs[2]),
    ]
    assert [len(c.boxes) for c in got] == [2, 1]
    assert got[0].boxes[1].box == result.layout[1].box


def test_a_long_block_is_cut_after_a_sentence_that_fits_else_after_a_line() -> None:
    lines = [words(99, i, end="." if i in (2, 7) else "") for i in range(10)]
    doc = LayoutDoc()
    doc.block("text", lines)
    result = doc.result()
    got = chunks(result, 450)  # four lines (399 chars) fit, five do not
    check_chunks(result, got, 450)
    # lines 3-6 hold no sentence end: cut after the last that fits; 7-9 fit whole
    assert [c.text.split("\n") for c in got] == [lines[:3], lines[3:7], lines[7:]]
    no_sentences = [words(99, i) for i in range(6)]
    assert split_lines(no_sentences, 450) == [(no_sentences[:4], False), (no_sentences[4:], False)]


def test_a_line_or_a_table_longer_than_max_chars_stands_alone_oversize() -> None:
    doc = LayoutDoc()
    doc.block("text", ["Before the long line.", words(260, 1), "After it."])
    caption = doc.block("table_caption", ["Table 1: figures by year"])
    doc.table([["Year", "Units"], *[[str(2000 + y), words(40, y)] for y in range(6)]])
    doc.block("text", ["The end."])
    result = doc.result()
    got = chunks(result, 200)
    check_chunks(result, got, 200)
    assert [(c.oversize, c.chars > 200) for c in got] == [
        (False, False),
        (True, True),
        (False, False),
        (True, True),
        (False, False),
    ]
    assert got[1].text == words(260, 1)
    table = got[3].text
    assert table.startswith("Table 1: figures by year\n\n| Year | Units |\n| --- | --- |\n")
    assert [b.box for b in got[3].boxes] == [
        result.layout[caption + 1].box,
        result.layout[caption].box,
    ]


def test_tables_are_markdown_with_their_caption_after_them() -> None:
    doc = LayoutDoc()
    doc.table([["Name", "Price"], ["a | b", "3"]])
    doc.block("table_caption", ["Prices of things"])
    doc.block("text", ["Closing words."])
    result = doc.result()
    got = chunks(result, 1500)
    check_chunks(result, got, 1500)
    assert got[0].text == (
        "| Name | Price |\n| --- | --- |\n| a \\| b | 3 |\n\nPrices of things\n\nClosing words."
    )


def test_headers_and_footers_are_left_out() -> None:
    doc = LayoutDoc()
    doc.block("header", ["Journal of Things, vol. 3"])
    doc.block("text", ["Body text."])
    doc.block("footer", ["Page 7"])
    doc.block("header", ["Journal of Things, vol. 3"], page=2)
    doc.block("text", ["More body text."], page=2)
    result = doc.result()
    got = chunks(result, 1500)
    check_chunks(result, got, 1500)
    assert [(c.text, c.pages) for c in got] == [("Body text.\n\nMore body text.", [1, 2])]


def test_titles_start_chunks_and_make_the_heading_path() -> None:
    doc = LayoutDoc()
    doc.block("title", ["A study of things"])
    doc.block("text", ["Opening."])
    doc.block("title", ["1 Introduction"])
    doc.block("text", ["Why."])
    doc.block("title", ["2 Methods"])
    doc.block("title", ["2.1 Data"])
    doc.block("text", ["What."])
    doc.block("title", ["2.2 Models"])
    doc.block("text", ["How."])
    doc.block("title", ["3 Results"])
    doc.block("text", ["So."])
    result = doc.result()
    got = chunks(result, 1500)
    check_chunks(result, got, 1500)
    assert [(c.headings, c.text) for c in got] == [
        (["A study of things"], "A study of things\n\nOpening."),
        (["1 Introduction"], "1 Introduction\n\nWhy."),
        (["2 Methods", "2.1 Data"], "2 Methods\n\n2.1 Data\n\nWhat."),
        (["2 Methods", "2.2 Models"], "2.2 Models\n\nHow."),
        (["3 Results"], "3 Results\n\nSo."),
    ]


def test_a_section_longer_than_a_chunk_keeps_its_path_in_every_chunk() -> None:
    doc = LayoutDoc()
    doc.block("title", ["4 Discussion"])
    paragraphs = [[words(90, 10 * p + i, end=".") for i in range(2)] for p in range(4)]
    for lines in paragraphs:
        doc.block("text", lines)
    result = doc.result()
    got = chunks(result, 400)
    check_chunks(result, got, 400)
    assert [len(c.boxes) for c in got] == [3, 2]  # the title's block, two paragraphs'
    assert all(c.headings == ["4 Discussion"] for c in got)
    assert got[0].text.startswith("4 Discussion\n\n")


def test_without_layout_lines_are_grouped_into_paragraphs_by_their_spacing() -> None:
    doc = LayoutDoc()
    first = [words(70, i) for i in range(3)]
    second = [words(70, 10 + i) for i in range(2)]
    doc.block("", first, gap=8)
    doc.y[1] += 40  # a wider gap: a new paragraph
    doc.block("", second, gap=8)
    result = doc.result()
    got = chunks(result, 250)
    check_chunks(result, got, 250)
    assert [c.text for c in got] == ["\n".join(first), "\n".join(second)]
    (box,) = got[0].boxes
    assert box.box == rect(50, 50, 50 + 8 * 70, 50 + 2 * 38 + 30)


def test_a_page_break_ends_a_paragraph_of_lines_without_layout() -> None:
    doc = LayoutDoc()
    doc.block("", ["One line on the first page"])
    doc.block("", ["one on the second"], page=2)
    result = doc.result()
    got = chunks(result, 1500)
    check_chunks(result, got, 1500)
    assert [[(b.page) for b in c.boxes] for c in got] == [[1, 2]]
    assert got[0].text == "One line on the first page\n\none on the second"


def test_an_unknown_label_reads_as_text_and_the_json_is_a_list_of_chunks() -> None:
    doc = LayoutDoc()
    doc.block("marginalia_of_the_future", ["Kept, as text."])
    body = json.loads(to_chunks(doc.result(), 1500))
    assert body == [
        {
            "text": "Kept, as text.",
            "headings": [],
            "pages": [1],
            "boxes": [{"page": 1, "box": doc.layout[0].box}],
            "chars": 14,
            "oversize": False,
        }
    ]


def test_an_empty_result_has_no_chunks() -> None:
    assert chunks(LayoutDoc().result(), 1500) == []


@pytest.mark.parametrize("max_chars", [200, 1500, 100_000])
def test_the_sample_result_keeps_the_rules(result: DocumentResult, max_chars: int) -> None:
    check_chunks(result, chunks(result, max_chars), max_chars)


# Real pages through the real pipeline: a generated report page and a DocBank article page.


@pytest.fixture(scope="module")
def report() -> DocumentResult:
    """Two generated report pages (a title, a paragraph, a ruled table, a paragraph)."""
    pages = [Page(n, np.asarray(document_page(n - 1)), None) for n in (1, 2)]
    return Pipeline(PipelineConfig(), EngineConfig(device="cpu")).run(pages, 2)


@pytest.mark.parametrize("max_chars", [200, 500, 1500])
def test_a_generated_report_keeps_the_rules(report: DocumentResult, max_chars: int) -> None:
    got = chunks(report, max_chars)
    check_chunks(report, got, max_chars)
    tables = [c for c in got if "| Item | Units | Price | Total |\n| --- |" in c.text]
    assert len(tables) == 2  # each page's table, as Markdown
    assert [c.headings for c in got if 1 in c.pages] == [["Quarterly report 0"]] * len(
        [c for c in got if 1 in c.pages]
    )
    if max_chars == 1500:  # a title starts a chunk; each page's section fits in one
        assert [c.pages for c in got] == [[1], [2]]
        assert got[1].text.startswith("Quarterly report 1\n\n")


def test_a_generated_report_without_layout_is_cut_into_paragraphs_by_spacing() -> None:
    config = PipelineConfig(use_layout_detection=False, use_table_recognition=False)
    pipeline = Pipeline(config, EngineConfig(device="cpu"))
    result = pipeline.run([Page(1, np.asarray(document_page(0)), None)], 1)
    assert result.layout == []
    got = chunks(result, 1500)
    check_chunks(result, got, 1500)
    (chunk,) = got
    paragraphs = [part.split("\n") for part in chunk.text.split("\n\n")]
    # the title, the paragraph of 8 lines, the table's 5 rows of 4 cells, 6 lines
    assert [len(lines) for lines in paragraphs] == [1, 8, 20, 6]
    assert paragraphs[0] == ["Quarterly report 0"]
    assert len(chunk.boxes) == 4
    title, body = chunk.boxes[0].box, chunk.boxes[1].box
    assert title[2][1] < body[0][1]  # one under the other


DOCBANK_PAGE = "10.tar_1701.04170.gz_TPNL_afterglow_evo_8.jpg"


def test_a_docbank_page_keeps_the_rules(eval_dir: Path) -> None:
    path = eval_dir / "docbank" / DOCBANK_PAGE
    if not path.exists():
        pytest.skip(f"{DOCBANK_PAGE} is not in {eval_dir / 'docbank'}")
    image = np.asarray(Image.open(path).convert("RGB"))
    result = Pipeline(PipelineConfig(), EngineConfig(device="cpu")).run([Page(1, image, None)], 1)
    furniture = {
        line
        for b in result.layout
        if b.label in ("header", "footer")
        for line in b.text.split("\n")
    }
    assert furniture  # the running head and the page number
    for max_chars in (200, 400, 1500, 100_000):
        got = chunks(result, max_chars)
        check_chunks(result, got, max_chars)
        assert not furniture & {line for chunk in got for line in chunk.text.split("\n")}
    got = chunks(result, 1500)
    assert len(got) > 3 and all(c.chars <= 1500 for c in got)
    # a chunk that ends inside a block ends after a sentence where the block has one
    lines = {d.text: d.block for d in result.detections}
    cuts = 0
    for chunk, following in itertools.pairwise(got):
        last, first = chunk.text.split("\n")[-1], following.text.split("\n")[0]
        if lines.get(last) is not None and lines.get(last) == lines.get(first):
            assert last.endswith("."), (last, first)
            cuts += 1
    assert cuts >= 2  # the page's long column blocks are cut


def test_a_block_longer_than_a_chunk_begins_in_what_the_chunk_has_left() -> None:
    doc = LayoutDoc()
    short = [words(99, 1), words(99, 2)]
    long = [words(99, 10 + i) for i in range(8)]
    doc.block("text", short)
    doc.block("text", long)
    doc.block("text", short)  # fits whole in the next chunk: not cut
    result = doc.result()
    got = chunks(result, 450)
    check_chunks(result, got, 450)
    assert [c.text.split("\n") for c in got] == [
        [*short, "", *long[:2]],
        long[2:6],
        [*long[6:], "", *short],
    ]
