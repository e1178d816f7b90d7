from __future__ import annotations

import numpy as np
import pytest

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.layout import Selection, decode, input_size, nms, select

BINS = 8  # reg_max 7, as in the CDLA PicoDet model


def one_hot_distances(distances: list[int]) -> np.ndarray:
    """Logits whose softmax puts (almost) all mass on the given bin for each side."""
    logits = np.full((4, BINS), -20.0, dtype=np.float32)
    logits[np.arange(4), distances] = 20.0
    return logits.reshape(-1)


def test_decode_turns_expected_distances_into_boxes() -> None:
    # one stride of 64 on the 608x800 input: 13 rows x 10 columns of anchor points
    cells = 13 * 10
    dist = np.zeros((cells, 4 * BINS), dtype=np.float32)
    scores = np.zeros((cells, 2), dtype=np.float32)
    anchor = 2 * 10 + 3  # row 2, column 3: centre (3.5 * 64, 2.5 * 64) = (224, 160)
    dist[anchor] = one_hot_distances([1, 2, 3, 1])  # left, top, right, bottom in strides
    scores[anchor] = [0.9, 0.1]
    boxes, out_scores = decode([scores], [dist], (608, 800), strides=[64])
    assert boxes.shape == (cells, 4) and out_scores.shape == (cells, 2)
    assert boxes[anchor] == pytest.approx([224 - 64, 160 - 128, 224 + 192, 160 + 64], abs=1e-3)


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 100, 100], [5, 5, 100, 100], [200, 200, 300, 300]], np.float32)
    scores = np.array([0.8, 0.9, 0.7], dtype=np.float32)
    assert nms(boxes, scores, iou=0.5) == [1, 2]


def test_select_applies_per_class_thresholds_and_cross_class_suppression() -> None:
    boxes = np.array(
        [[0, 0, 100, 50], [0, 0, 100, 50], [0, 100, 100, 150], [0, 200, 100, 250]], np.float32
    )
    scores = np.array(
        [[0.9, 0.6, 0.0], [0.2, 0.0, 0.0], [0.0, 0.0, 0.45], [0.0, 0.0, 0.3]], dtype=np.float32
    )
    params = Selection(
        thresholds={0: 0.5, 1: 0.5, 2: 0.4}, iou=0.5, cross_class_iou=0.8, max_candidates=1000
    )
    picked = select(boxes, scores, params)
    # class 0 and class 1 on the same region: only the likelier survives
    assert [(cls, round(score, 2)) for cls, score, _ in picked] == [(0, 0.9), (2, 0.45)]


def test_input_size_is_the_models_own_or_the_configured_one() -> None:
    assert input_size([1, 3, 800, 608], None) == (608, 800)
    assert input_size([1, 3, 800, 608], (608, 800)) == (608, 800)
    assert input_size(["n", 3, "h", "w"], (640, 640)) == (640, 640)
    with pytest.raises(ModelError, match=r"LayoutDetection\.input_size: the model takes 608x800"):
        input_size([1, 3, 800, 608], (640, 640))
    with pytest.raises(ModelError, match="not fixed"):
        input_size(["n", 3, "h", "w"], None)
