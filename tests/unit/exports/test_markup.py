"""What hOCR and ALTO write alike: safe XML text, a line's words, clipped bounds, turns."""

from __future__ import annotations

from ocr_inference.exports.markup import page_bounds, turn, words, xml_text
from ocr_inference.schemas import Detection, PageInfo, Word

LEVEL = [[10, 20], [110, 20], [110, 40], [10, 40]]
UPWARD = [[10, 120], [10, 20], [30, 20], [30, 120]]  # read bottom to top: turned 90°


def test_xml_text_escapes_and_drops_what_xml_forbids() -> None:
    assert xml_text('a<b & "c"\x00\x0b\ufffe') == "a&lt;b &amp; &quot;c&quot;"


def test_a_line_without_words_is_one_word() -> None:
    line = Detection(text="two words", box=LEVEL, confidence=0.9, page_number=1)
    assert words(line) == [("two words", LEVEL, 0.9)]
    word = Word(text="two", box=LEVEL, confidence=0.8)
    assert words(line.model_copy(update={"words": [word]})) == [("two", LEVEL, 0.8)]


def test_bounds_are_clipped_to_the_page() -> None:
    page = PageInfo(page_number=1, width=100, height=30, dpi=None)
    assert page_bounds([[-5, 20], [110, 20], [110, 40], [-5, 40]], page) == (0, 20, 100, 30)


def test_a_line_turned_beyond_a_scans_skew_says_how_far() -> None:
    assert turn(LEVEL) == 0
    assert turn([[10, 20], [110, 26], [110, 46], [10, 40]]) == 0  # 3.4°: skew
    assert turn(UPWARD) == 90
    assert turn([[110, 40], [10, 40], [10, 20], [110, 20]]) == 180
