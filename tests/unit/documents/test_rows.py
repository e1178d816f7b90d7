"""``group_rows``: the one rule that puts OCR lines and text-layer words in rows."""

from __future__ import annotations

from ocr_inference.documents.rows import group_rows


def test_rows_top_to_bottom_and_left_to_right() -> None:
    rects = [
        (500.0, 105.0, 700.0, 135.0),  # row 2, right
        (50.0, 10.0, 300.0, 40.0),  # row 1, left
        (50.0, 100.0, 300.0, 140.0),  # row 2, left (taller, slightly higher)
        (400.0, 12.0, 600.0, 42.0),  # row 1, right
    ]
    assert group_rows(rects) == [[1, 3], [2, 0]]


def test_centres_further_apart_than_half_the_smaller_height_are_two_rows() -> None:
    small, tall = (0.0, 0.0, 10.0, 10.0), (20.0, 0.0, 30.0, 40.0)  # centres 15 apart, 5 allowed
    assert group_rows([small, tall]) == [[0], [1]]
    assert group_rows([(0.0, 0.0, 10.0, 20.0), (20.0, 9.0, 30.0, 29.0)]) == [[0, 1]]


def test_a_row_is_measured_from_its_first_box_not_its_last() -> None:
    """A staircase of boxes each 8 pixels lower does not drift into one long row."""
    rects = [(30.0 * i, 8.0 * i, 30.0 * i + 25, 8.0 * i + 20) for i in range(4)]
    assert group_rows(rects) == [[0, 1], [2, 3]]


def test_flat_boxes_count_as_a_pixel_tall() -> None:
    assert group_rows([(0.0, 5.0, 10.0, 5.0), (20.0, 5.4, 30.0, 5.4)]) == [[0, 1]]
    assert group_rows([(0.0, 5.0, 10.0, 5.0), (20.0, 6.0, 30.0, 6.0)]) == [[0], [1]]


def test_nothing_gives_no_rows() -> None:
    assert group_rows([]) == []
