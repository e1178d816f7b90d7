"""Word spans from CTC time steps, their boxes on the line, and the real recognizer's words."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import ImageFont

from ocr_dev.factories import text_image
from ocr_inference.documents import Page
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.text_recognition import ctc_best_path
from ocr_inference.pipeline.words import ctc_words, span_quad

LINE = "The quick brown fox jumps"


def test_ctc_words_split_at_spaces_and_cover_their_time_steps() -> None:
    charset = ["", "a", "b", " "]
    # time steps: a a _ b _ ' ' _ b a _   (blank = 0)
    path = [1, 1, 0, 2, 0, 3, 0, 2, 1, 0]
    probs = np.full((1, len(path), 4), 0.01, dtype=np.float32)
    for t, c in enumerate(path):
        probs[0, t, c] = 0.9
    ((chars, steps, kept),) = ctc_best_path(probs, charset)
    assert "".join(chars) == "ab ba"
    assert steps.tolist() == [0, 3, 5, 7, 8]
    words = ctc_words(chars, steps, kept, step=0.1)
    assert [w.text for w in words] == ["ab", "ba"]
    first, second = words
    assert 0 <= first.start < first.end <= second.start < second.end <= 1
    assert first.confidence == pytest.approx(0.9)


def test_ctc_words_of_an_empty_line() -> None:
    assert ctc_words([], np.array([], dtype=np.int64), np.array([], np.float32), 0.1) == []


def test_span_quad_interpolates_along_top_and_bottom_edges() -> None:
    # a slanted line: the bottom edge is shifted 10 px right of the top edge
    quad = np.array([[0, 0], [100, 0], [110, 20], [10, 20]], dtype=np.float32)
    word = span_quad(quad, 0.5, 1.0)
    assert word.tolist() == [[50, 0], [100, 0], [110, 20], [60, 20]]


def test_span_quad_follows_the_reading_direction_of_turned_crops() -> None:
    quad = np.array([[0, 0], [100, 0], [100, 20], [0, 20]], dtype=np.float32)
    # read upside down: the start of the text is at the right end of the box
    assert span_quad(quad, 0.0, 0.25, turns=2).tolist() == [
        [75, 0],
        [100, 0],
        [100, 20],
        [75, 20],
    ]
    tall = np.array([[0, 0], [20, 0], [20, 100], [0, 100]], dtype=np.float32)
    # a vertical line: the crop's width runs down the box
    assert span_quad(tall, 0.0, 0.5, turns=1).tolist() == [[0, 0], [20, 0], [20, 50], [0, 50]]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(PipelineConfig(), EngineConfig(device="cpu"))


@pytest.mark.parametrize("turns", [0, 2])
def test_recognized_words_lie_left_to_right_inside_the_line(pipeline: Pipeline, turns: int) -> None:
    image = np.ascontiguousarray(np.rot90(np.asarray(text_image([LINE])), turns))
    (line,) = pipeline.run_page(Page(1, image, None)).detections
    assert line.text == LINE
    assert " ".join(w.text for w in line.words) == line.text
    box = np.array(line.box)
    x0, y0 = box.min(axis=0)
    x1, y1 = box.max(axis=0)
    lefts = []
    for word in line.words:
        points = np.array(word.box)
        assert (points[:, 0] >= x0 - 1).all() and (points[:, 0] <= x1 + 1).all()
        assert (points[:, 1] >= y0 - 1).all() and (points[:, 1] <= y1 + 1).all()
        lefts.append(points[:, 0].min())
        assert 0.5 < word.confidence <= 1
    # upside down, the words read right to left on the submitted page
    assert lefts == sorted(lefts, reverse=turns == 2)


def test_recognized_word_boxes_match_where_the_words_were_drawn(pipeline: Pipeline) -> None:
    (line,) = pipeline.run_page(Page(1, np.asarray(text_image([LINE])), None)).detections
    font = ImageFont.load_default(size=48)
    words = LINE.split(" ")
    for i, word in enumerate(line.words):
        prefix = " ".join(words[:i]) + (" " if i else "")
        drawn_x0 = 60 + font.getlength(prefix)
        drawn_x1 = 60 + font.getlength(prefix + words[i])
        xs = [x for x, _ in word.box]
        assert abs(min(xs) - drawn_x0) <= 15 and abs(max(xs) - drawn_x1) <= 15
