"""Words of a recognized text line: where each lies along the line, and its box on the page.

The recognizer's CTC decoding keeps, for every character, the time step where it was
emitted; time steps are evenly spaced along the line crop, so a word's first and last
steps give its extent as fractions of the crop's width (``ctc_words``). ``span_quad`` maps
such a span back onto the line's quadrilateral by interpolating along its top and bottom
edges. (Lines read from a PDF's text layer come with their words' boxes.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ocr_inference.pipeline.geometry import Quad


@dataclass(frozen=True)
class WordSpan:
    """A word and its extent along the line as read, in fractions (0-1) of the line's width."""

    text: str
    start: float
    end: float
    confidence: float


def ctc_words(
    chars: list[str], steps: npt.NDArray[np.int64], probs: npt.NDArray[np.float32], step: float
) -> list[WordSpan]:
    """Words of a decoded line from its kept characters.

    Args:
        chars: the kept characters, in order (spaces included).
        steps: the time step at which each character was emitted.
        probs: each character's probability.
        step: the width of one time step as a fraction of the line's width.
    """
    if len(chars) == 0:
        return []
    # a character spans about one pitch around its emission step
    pitch = float(np.median(np.diff(steps))) if len(steps) > 1 else 1.0
    pitch = max(pitch, 1.0)
    words: list[WordSpan] = []
    index = 0
    while index < len(chars):
        if chars[index] == " ":
            index += 1
            continue
        first = index
        while index < len(chars) and chars[index] != " ":
            index += 1
        last = index - 1
        start = (float(steps[first]) + 0.5 - pitch / 2) * step
        end = (float(steps[last]) + 0.5 + pitch / 2) * step
        words.append(
            WordSpan(
                "".join(chars[first:index]),
                min(max(start, 0.0), 1.0),
                min(max(end, 0.0), 1.0),
                float(probs[first:index].mean()),
            )
        )
    return words


def span_quad(quad: Quad, start: float, end: float, turns: int = 0) -> Quad:
    """The part of line ``quad`` between fractions ``start`` and ``end`` of its width as read.

    ``turns`` counts the quarter turns (counter-clockwise) that made the line's crop read left
    to right: 1 for a vertical line, 2 for one read upside down, 3 for both. The returned quad
    keeps ``quad``'s point order.
    """
    read = np.roll(quad.astype(np.float32), -turns, axis=0)
    top_left, top_right, bottom_right, bottom_left = read
    word = np.array(
        [
            top_left + start * (top_right - top_left),
            top_left + end * (top_right - top_left),
            bottom_left + end * (bottom_right - bottom_left),
            bottom_left + start * (bottom_right - bottom_left),
        ],
        dtype=np.float32,
    )
    return np.roll(word, turns, axis=0)
