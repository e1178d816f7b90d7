from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ocr_inference.pipeline.reading_order import Rect, arrange, containing, xy_cut


def test_two_columns_under_a_title_read_column_by_column() -> None:
    rects = [
        (100, 50, 900, 90),  # title across both columns
        (100, 120, 480, 400),
        (520, 120, 900, 400),
        (100, 420, 480, 700),  # paragraph gaps at the same height in both columns
        (520, 420, 900, 700),
        (100, 720, 900, 760),  # full-width note below
    ]
    assert xy_cut(rects) == [0, 1, 3, 2, 4, 5]


def test_full_width_figure_splits_the_columns_into_sections() -> None:
    rects = [
        (100, 100, 480, 300),
        (520, 100, 900, 300),
        (100, 320, 900, 500),  # figure across the page
        (100, 520, 480, 700),
        (520, 520, 900, 700),
    ]
    assert xy_cut(rects) == [0, 1, 2, 3, 4]


def test_single_column_reads_top_to_bottom() -> None:
    rects = [(100, 300, 800, 400), (100, 50, 800, 150), (100, 170, 800, 280)]
    assert xy_cut(rects) == [1, 2, 0]


def test_containing_picks_the_smallest_region() -> None:
    rects = [(0, 0, 1000, 1000), (100, 100, 300, 300)]
    assert containing((150, 150), rects) == 1
    assert containing((500, 500), rects) == 0
    assert containing((2000, 5), rects) is None


@dataclass
class Region:
    label: str
    box: Rect


def quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_arrange_orders_blocks_and_lines_with_headers_last() -> None:
    regions = [
        Region("text", (520, 100, 900, 400)),  # right column
        Region("header", (100, 10, 900, 40)),
        Region("text", (100, 100, 480, 400)),  # left column
    ]
    lines = [
        quad(530, 110, 890, 130),  # right column, first line
        quad(110, 150, 470, 170),  # left column, second line
        quad(110, 110, 470, 130),  # left column, first line
        quad(110, 15, 400, 35),  # header
        quad(100, 450, 900, 470),  # outside every region, below both columns
    ]
    order, owners = arrange(regions, lines)
    assert owners == [0, 2, 2, 1, None]
    assert order.blocks == [2, 0, 1]
    assert order.lines == [2, 1, 0, 4, 3]


def test_arrange_without_regions_reads_rows() -> None:
    lines = [quad(500, 10, 900, 30), quad(10, 12, 400, 32), quad(10, 50, 400, 70)]
    order, owners = arrange([], lines)
    assert (order.blocks, order.lines, owners) == ([], [1, 0, 2], [None, None, None])
