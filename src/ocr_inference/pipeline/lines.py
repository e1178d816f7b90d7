"""Text lines of an upright page: detection, line orientation, recognition.

Line orientation never damages an upright line: the classifier only nominates lines, and
a nominated line is turned only when recognizing it turned round is clearly more
confident than recognizing it as it stands (by ``TextLineOrientation.min_gain``). Only
nominated lines are recognized twice.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import numpy as np

from ocr_inference.pipeline.geometry import Image, Quad, crop_quad, turned_vertical
from ocr_inference.pipeline.text_detection import TextDetector
from ocr_inference.pipeline.text_orientation import TextlineOrientation
from ocr_inference.pipeline.text_recognition import RecognitionResult, TextRecognizer
from ocr_inference.pipeline.words import WordSpan, span_quad


class Timings(defaultdict[str, float]):
    """Seconds spent in each stage, summed over the pages of a call."""

    def __init__(self) -> None:
        super().__init__(float)

    def rounded(self) -> dict[str, float]:
        return {stage: round(seconds, 3) for stage, seconds in self.items()}


class ReadLine(NamedTuple):
    """A text line of an upright page: its quad, text, confidence and words (text, quad,
    confidence) in reading order."""

    quad: Quad
    text: str
    confidence: float
    words: list[tuple[str, Quad, float]]


class LineReader:
    """Finds, turns and reads the text lines of an upright page image."""

    def __init__(
        self,
        detector: TextDetector,
        recognizer: TextRecognizer,
        orientation: TextlineOrientation | None,
        score_thresh: float,
        min_gain: float,
    ) -> None:
        self._detector = detector
        self._recognizer = recognizer
        self._orientation = orientation
        self._score_thresh = score_thresh
        self._min_gain = min_gain

    def __call__(self, image: Image, timings: Timings) -> list[ReadLine]:
        found = self._detector(image)
        timings["text_detection"] += found.seconds
        if not found.boxes:
            return []
        crops = [crop_quad(image, quad) for quad in found.boxes]
        turns = [1 if turned_vertical(quad) else 0 for quad in found.boxes]
        read = self._recognizer(crops)
        timings["text_recognition"] += read.seconds
        if self._orientation is not None:
            for index in self._turned(crops, read, timings):
                turns[index] += 2
        return [
            ReadLine(quad, text, confidence, _word_quads(quad, spans, turn))
            for quad, text, confidence, spans, turn in zip(
                found.boxes, read.texts, read.confidences, read.words, turns, strict=True
            )
            if text and confidence >= self._score_thresh
        ]

    def _turned(self, crops: list[Image], read: RecognitionResult, timings: Timings) -> list[int]:
        """Indices of the lines that read better upside down; ``read`` takes their reading."""
        assert self._orientation is not None
        classified = self._orientation(crops)
        timings["textline_orientation"] += classified.seconds
        nominated = [i for i, flagged in enumerate(classified.rotated) if flagged]
        if not nominated:
            return []
        again = self._recognizer([np.ascontiguousarray(np.rot90(crops[i], 2)) for i in nominated])
        timings["textline_orientation"] += again.seconds
        turned = []
        for position, index in enumerate(nominated):
            if again.confidences[position] >= read.confidences[index] + self._min_gain:
                read.texts[index] = again.texts[position]
                read.confidences[index] = again.confidences[position]
                read.words[index] = again.words[position]
                turned.append(index)
        return turned


def _word_quads(quad: Quad, spans: list[WordSpan], turns: int) -> list[tuple[str, Quad, float]]:
    return [(s.text, span_quad(quad, s.start, s.end, turns), s.confidence) for s in spans]
