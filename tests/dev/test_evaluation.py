"""Unit tests of the accuracy metrics on small synthetic texts and boxes."""

from __future__ import annotations

import random

import pytest

from ocr_dev.evaluation import (
    BoxedLine,
    bag_of_words_f1,
    cer,
    normalize,
    order_lines,
    page_scores,
    wer,
)


def box(left: float, top: float, right: float, bottom: float) -> list[list[float]]:
    """Return a 4-point box, clockwise from top-left."""
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


# --- normalize ----------------------------------------------------------------


def test_normalize_collapses_whitespace_and_strips() -> None:
    assert normalize("  a\tb \n\n c  ") == "a b c"


def test_normalize_applies_nfkc() -> None:
    # the "fi" ligature and a full-width digit become their plain forms
    assert normalize("\ufb01ne \uff11") == "fine 1"


def test_normalize_keeps_case_by_default() -> None:
    assert normalize("Total RM") == "Total RM"


def test_normalize_case_insensitive() -> None:
    assert normalize("Total RM", case_insensitive=True) == "total rm"


def test_normalize_punctuation_spacing() -> None:
    assert normalize("12 /10 /98", punctuation_spacing=True) == "12/10/98"
    assert normalize("17 :46 P. 01", punctuation_spacing=True) == "17:46 P.01"
    assert normalize("( 614 ) 466 - 5087", punctuation_spacing=True) == "(614)466-5087"


def test_normalize_punctuation_spacing_makes_both_sides_agree() -> None:
    ground_truth = normalize("DATE: 12 /10 /98", punctuation_spacing=True)
    prediction = normalize("DATE:12/10/98", punctuation_spacing=True)
    assert ground_truth == prediction


def test_normalize_punctuation_spacing_is_off_by_default() -> None:
    assert normalize("12 /10 /98") == "12 /10 /98"


# --- order_lines --------------------------------------------------------------


TWO_ROWS: list[BoxedLine] = [
    ("top-left", box(10, 10, 100, 30)),
    ("top-middle", box(120, 12, 200, 31)),  # slightly lower, same row
    ("top-right", box(220, 8, 300, 29)),  # slightly higher, same row
    ("bottom-left", box(10, 50, 100, 70)),
    ("bottom-right", box(150, 52, 300, 71)),
]
TWO_ROWS_ORDER = ["top-left", "top-middle", "top-right", "bottom-left", "bottom-right"]


def test_order_lines_two_rows_in_order() -> None:
    assert order_lines(TWO_ROWS) == TWO_ROWS_ORDER


@pytest.mark.parametrize("seed", range(5))
def test_order_lines_two_rows_shuffled(seed: int) -> None:
    shuffled = TWO_ROWS.copy()
    random.Random(seed).shuffle(shuffled)
    assert order_lines(shuffled) == TWO_ROWS_ORDER


def test_order_lines_reversed_input() -> None:
    assert order_lines(TWO_ROWS[::-1]) == TWO_ROWS_ORDER


def test_order_lines_separates_rows_beyond_half_height() -> None:
    # centres 10 apart, smaller height 16: 10 > 8, so two rows even though boxes overlap
    lines: list[BoxedLine] = [
        ("right", box(100, 0, 200, 20)),
        ("left", box(0, 12, 50, 28)),
    ]
    assert order_lines(lines) == ["right", "left"]


def test_order_lines_joins_rows_within_half_height() -> None:
    # centres 6 apart, smaller height 16: 6 <= 8, so one row, sorted by left edge
    lines: list[BoxedLine] = [
        ("right", box(100, 0, 200, 20)),
        ("left", box(0, 8, 50, 24)),
    ]
    assert order_lines(lines) == ["left", "right"]


def test_order_lines_accepts_unordered_points() -> None:
    rotated: list[list[float]] = [[100, 30], [10, 30], [10, 10], [100, 10]]
    lines: list[BoxedLine] = [("b", box(10, 50, 100, 70)), ("a", rotated)]
    assert order_lines(lines) == ["a", "b"]


def test_order_lines_ties_do_not_depend_on_input_order() -> None:
    # same centre and left edge: the result must not follow the input order
    a: BoxedLine = ("alpha", box(0, 0, 50, 20))
    b: BoxedLine = ("beta", box(0, 0, 80, 20))
    c: BoxedLine = ("gamma", box(0, 0, 50, 20))
    assert order_lines([a, b, c]) == order_lines([c, b, a]) == order_lines([b, c, a])


def test_order_lines_empty() -> None:
    assert order_lines([]) == []


# --- cer / wer ----------------------------------------------------------------


def test_cer_identical() -> None:
    assert cer("hello", "hello") == 0.0


def test_cer_one_substitution() -> None:
    assert cer("hello", "hallo") == pytest.approx(1 / 5)


def test_cer_insertion_and_deletion() -> None:
    # "abcd" -> "abd" (one deletion) ; "abcd" -> "abcde" (one insertion)
    assert cer("abcd", "abd") == pytest.approx(1 / 4)
    assert cer("abcd", "abcde") == pytest.approx(1 / 4)


def test_cer_kitten_sitting() -> None:
    # the textbook example: 2 substitutions + 1 insertion
    assert cer("kitten", "sitting") == pytest.approx(3 / 6)


def test_cer_can_exceed_one() -> None:
    assert cer("ab", "abcdef") == pytest.approx(4 / 2)


def test_cer_empty_reference() -> None:
    assert cer("", "") == 0.0
    assert cer("", "x") == 1.0


def test_cer_empty_hypothesis() -> None:
    assert cer("abc", "") == 1.0


def test_wer_one_substituted_word() -> None:
    assert wer("the quick brown fox", "the quick brawn fox") == pytest.approx(1 / 4)


def test_wer_deleted_and_inserted_words() -> None:
    assert wer("the quick brown fox", "the brown fox") == pytest.approx(1 / 4)
    assert wer("the quick brown fox", "the very quick brown fox jumps") == pytest.approx(2 / 4)


def test_wer_ignores_whitespace_amount() -> None:
    assert wer("a b  c", "a\nb c") == 0.0


def test_wer_swapped_words_cost_two() -> None:
    assert wer("a b c", "b a c") == pytest.approx(2 / 3)


def test_wer_empty_reference() -> None:
    assert wer("", "  ") == 0.0
    assert wer(" ", "word") == 1.0


# --- bag_of_words_f1 ----------------------------------------------------------


def test_f1_order_free() -> None:
    assert bag_of_words_f1("a b c", "c b a") == 1.0


def test_f1_partial_overlap() -> None:
    # overlap 2 of 3 reference and 2 of 4 hypothesis words: P = 1/2, R = 2/3, F1 = 4/7
    assert bag_of_words_f1("a b c", "a b x y") == pytest.approx(4 / 7)


def test_f1_counts_repeats_as_a_multiset() -> None:
    # reference has "a" twice, hypothesis once: overlap 2 ("a", "b"); P = 1, R = 2/3
    assert bag_of_words_f1("a a b", "a b") == pytest.approx(0.8)


def test_f1_no_overlap_and_empty() -> None:
    assert bag_of_words_f1("a b", "c d") == 0.0
    assert bag_of_words_f1("a b", "") == 0.0
    assert bag_of_words_f1("", "a") == 0.0
    assert bag_of_words_f1("", "") == 1.0


# --- page_scores --------------------------------------------------------------


def test_page_scores_perfect_despite_other_order() -> None:
    predicted = [(text, points) for text, points in reversed(TWO_ROWS)]
    assert page_scores(TWO_ROWS, predicted, "docbank") == {
        "cer": 0.0,
        "wer": 0.0,
        "bow_f1": 1.0,
    }


def test_page_scores_sroie_ignores_case() -> None:
    gt: list[BoxedLine] = [("TOTAL RM 9.00", box(0, 0, 100, 20))]
    predicted: list[BoxedLine] = [("Total RM 9.00", box(0, 0, 100, 20))]
    assert page_scores(gt, predicted, "sroie")["cer"] == 0.0
    assert page_scores(gt, predicted, "docbank")["cer"] == pytest.approx(4 / 13)


def test_page_scores_funsd_ignores_punctuation_spacing() -> None:
    gt: list[BoxedLine] = [("DATE: 12 /10 /98", box(0, 0, 100, 20))]
    predicted: list[BoxedLine] = [("DATE: 12/10/98", box(0, 0, 100, 20))]
    assert page_scores(gt, predicted, "funsd") == {
        "cer": 0.0,
        "wer": 0.0,
        "bow_f1": 1.0,
    }
    assert page_scores(gt, predicted, "sroie")["cer"] > 0.0


def test_page_scores_known_errors() -> None:
    gt: list[BoxedLine] = [
        ("hello world", box(0, 0, 100, 20)),
        ("foo bar", box(0, 40, 100, 60)),
    ]
    predicted: list[BoxedLine] = [
        ("foo baz", box(0, 41, 100, 61)),
        ("hello world", box(2, 1, 98, 19)),
    ]
    scores = page_scores(gt, predicted, "other")
    # reference "hello world foo bar" (19 chars, 4 words); one character, one word wrong
    assert scores["cer"] == pytest.approx(1 / 19)
    assert scores["wer"] == pytest.approx(1 / 4)
    assert scores["bow_f1"] == pytest.approx(3 / 4)


def test_page_scores_nothing_recognized() -> None:
    gt: list[BoxedLine] = [("some text", box(0, 0, 100, 20))]
    assert page_scores(gt, [], "funsd") == {"cer": 1.0, "wer": 1.0, "bow_f1": 0.0}
