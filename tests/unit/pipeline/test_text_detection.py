from __future__ import annotations

import numpy as np
import pytest

from ocr_inference.pipeline.config import TextDetectionConfig
from ocr_inference.pipeline.text_detection import (
    boxes_from_probability,
    resize_for_detection,
)


def test_probability_blobs_become_unclipped_quads() -> None:
    prob = np.zeros((200, 400), dtype=np.float32)
    prob[20:40, 30:230] = 0.9
    prob[120:150, 100:350] = 0.8
    boxes, scores = boxes_from_probability(prob, TextDetectionConfig())
    assert len(boxes) == 2
    ordered = sorted(zip(boxes, scores, strict=True), key=lambda b: float(b[0][0, 1]))
    (first, first_score), (_, second_score) = ordered
    # unclipping grows each box by about area * ratio / perimeter (DB paper) on every side
    grow = 200 * 20 * 1.6 / (2 * (200 + 20))
    assert first[:, 0].min() == pytest.approx(30 - grow, abs=2.5)
    assert first[:, 0].max() == pytest.approx(230 + grow, abs=2.5)
    assert first[:, 1].min() == pytest.approx(20 - grow, abs=2.5)
    assert first[:, 1].max() == pytest.approx(40 + grow, abs=2.5)
    # the score is the mean probability inside the (dilated) blob's box
    assert 0.8 < first_score <= 0.9
    assert 0.7 < second_score <= 0.8


def test_weak_and_tiny_blobs_are_dropped() -> None:
    prob = np.zeros((100, 100), dtype=np.float32)
    prob[10:30, 10:60] = 0.35  # above the pixel threshold, below the box threshold
    prob[60:62, 60:62] = 0.99  # too small to be text
    assert boxes_from_probability(prob, TextDetectionConfig()) == ([], [])


def test_resize_caps_the_long_side_and_rounds_to_the_stride() -> None:
    image = np.zeros((3508, 2480, 3), dtype=np.uint8)  # A4 at 300 dpi
    resized, sx, sy = resize_for_detection(image, TextDetectionConfig(limit_side_len=2000))
    h, w = resized.shape[:2]
    assert h % 32 == 0 and w % 32 == 0
    assert max(h, w) <= 2016
    assert sx == pytest.approx(2480 / w) and sy == pytest.approx(3508 / h)


def test_resize_enlarges_small_images() -> None:
    image = np.zeros((100, 300, 3), dtype=np.uint8)
    resized, _, _ = resize_for_detection(image, TextDetectionConfig(min_side_len=736))
    assert resized.shape[0] >= 736 - 16
