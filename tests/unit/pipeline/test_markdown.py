from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ocr_inference.pipeline.markdown import join_lines, to_markdown
from ocr_inference.schemas import Block, Detection, PageInfo

BOX = [[0, 0], [10, 0], [10, 10], [0, 10]]


def line(text: str, page: int, block: int | None) -> Detection:
    return Detection(text=text, box=BOX, confidence=0.9, page_number=page, block=block)


def block(label: str, page: int, order: int) -> Block:
    return Block(page_number=page, label=label, box=BOX, confidence=0.9, order=order, text="")


def test_titles_become_headings_and_pages_are_marked() -> None:
    layout = [block("title", 1, 0), block("text", 1, 1), block("footer", 1, 2), block("text", 2, 0)]
    detections = [
        line("Results", 1, 0),
        line("The first line", 1, 1),
        line("and the second.", 1, 1),
        line("Page 1 of 2", 1, 2),
        line("Loose line", 2, None),
        line("Next page text", 2, 3),
    ]
    pages = [PageInfo(page_number=n, width=10, height=10, dpi=None) for n in (1, 2)]
    assert to_markdown(detections, layout, pages) == (
        "<!-- page 1 -->\n\n## Results\n\nThe first line and the second.\n\n"
        "<!-- page 2 -->\n\nLoose line\n\nNext page text\n"
    )


PAGE = [PageInfo(page_number=1, width=10, height=10, dpi=None)]
COMMONMARK = MarkdownIt("commonmark")


def rendered(text: str, label: str = "text") -> str:
    """The HTML a CommonMark renderer makes of ``text`` as the one line of a block."""
    markdown = to_markdown([line(text, 1, 0)], [block(label, 1, 0)], PAGE)
    return COMMONMARK.render(markdown.removeprefix("<!-- page 1 -->\n\n"))


def test_recognized_text_cannot_turn_into_markdown_structure() -> None:
    markdown = to_markdown([line("# not a heading", 1, None)], [], PAGE)
    assert "\n\\# not a heading\n" in markdown
    assert rendered("# not a heading") == "<p># not a heading</p>\n"
    assert rendered("3. Results") == "<p>3. Results</p>\n"


def test_markup_in_recognized_text_stays_text() -> None:
    assert rendered("<script>alert(1)</script>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )
    assert rendered("<img src=x onerror=alert(1)>", "title") == (
        "<h2>&lt;img src=x onerror=alert(1)&gt;</h2>\n"
    )
    assert rendered("[click](javascript:alert(1))") == "<p>[click](javascript:alert(1))</p>\n"


# what OCR reads from a line: printable characters, single spaces, no edge whitespace
LINE_TEXT = st.text(
    st.characters(
        codec="utf-8",
        categories=("L", "N", "P", "S"),
        exclude_characters="\x7f",
        include_characters=" ",
    ),
    min_size=1,
    max_size=40,
).map(lambda words: words.strip())


@given(LINE_TEXT.filter(bool))
def test_any_recognized_line_renders_as_exactly_its_text(text: str) -> None:
    as_html = html.escape(text, quote=False).replace('"', "&quot;")
    assert rendered(text) == f"<p>{as_html}</p>\n"


@given(LINE_TEXT.filter(bool))
def test_any_recognized_title_renders_as_a_heading_of_exactly_its_text(text: str) -> None:
    as_html = html.escape(text, quote=False).replace('"', "&quot;")
    assert rendered(text, "title") == f"<h2>{as_html}</h2>\n"


def test_a_title_ending_in_hashes_keeps_them() -> None:
    assert rendered("Room #", "title") == "<h2>Room #</h2>\n"
    assert rendered("Chapter 1 ##", "title") == "<h2>Chapter 1 ##</h2>\n"


def test_words_hyphenated_at_line_ends_are_joined() -> None:
    assert join_lines(["a hydrody-", "namical model"]) == "a hydrodynamical model"
    assert join_lines(["state-", "Of-the-art"]) == "state- Of-the-art"
    assert join_lines(["range 1-", "5"]) == "range 1- 5"
