"""Lines are batched by input width: narrow lines are never padded to a wide one's width,
and a batch of wide lines stays small."""

from __future__ import annotations

import numpy as np

from ocr_inference.pipeline.batching import batches_by_width
from ocr_inference.pipeline.text_recognition import input_width


def test_every_line_lands_in_exactly_one_batch() -> None:
    widths = [640, 96, 1280, 96, 320, 2560, 128]
    batches = list(batches_by_width(widths, batch_size=6, max_width_sum=4096))
    assert sorted(i for batch in batches for i in batch) == list(range(len(widths)))


def test_batches_hold_similar_widths_narrowest_first() -> None:
    widths = [640, 96, 1280, 96, 320, 2560, 128]
    batches = list(batches_by_width(widths, batch_size=3, max_width_sum=100_000))
    assert [[widths[i] for i in batch] for batch in batches] == [
        [96, 96, 128],
        [320, 640, 1280],
        [2560],
    ]


def test_lines_times_the_widest_stay_within_the_budget() -> None:
    widths = [1024] * 5 + [3000, 5000]
    batches = list(batches_by_width(widths, batch_size=6, max_width_sum=4096))
    for batch in batches:
        assert len(batch) * max(widths[i] for i in batch) <= 4096 or len(batch) == 1
    assert [len(batch) for batch in batches] == [4, 1, 1, 1]


def test_no_lines_no_batches() -> None:
    assert list(batches_by_width([], batch_size=6, max_width_sum=4096)) == []


def test_input_widths_keep_the_ratio_at_48_pixels_rounded_up_to_32() -> None:
    assert input_width(np.zeros((24, 100, 3), np.uint8)) == 224  # 200 -> 224
    assert input_width(np.zeros((48, 32, 3), np.uint8)) == 32
    assert input_width(np.zeros((48, 1, 3), np.uint8)) == 32
