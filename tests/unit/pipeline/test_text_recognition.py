from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.engine.base import Tensor
from ocr_inference.pipeline.text_recognition import TextRecognizer, load_charset

CHARSET = ["", "a", "b", "c", " "]


class ScriptedModel:
    """A recognition model that answers the (T, C) probabilities it is given for each line."""

    name, engine, precision, load_seconds = "scripted", "fake", "fp32", 0.0
    input_shape: tuple[int | None, ...] = (None, 3, 48, None)
    metadata: Mapping[str, str] = {"character": "a\nb\nc"}

    def __init__(self, *paths: np.ndarray) -> None:
        self.paths = paths

    def __call__(self, tensor: Tensor) -> list[Tensor]:
        assert tensor.shape[0] == len(self.paths)
        return [np.stack(self.paths)]

    def release(self) -> None:
        pass


def probs_for(path: list[int], confidence: float = 0.9) -> np.ndarray:
    rows = np.full((len(path), len(CHARSET)), (1 - confidence) / (len(CHARSET) - 1))
    rows[np.arange(len(path)), path] = confidence
    return rows.astype(np.float32)


def recognize(*paths: np.ndarray) -> list[tuple[str, float]]:
    """Text and confidence the recognizer gives lines whose model output is ``paths``."""
    recognizer = TextRecognizer(ScriptedModel(*paths), batch_size=len(paths))
    crops = [np.full((48, 160, 3), 255, dtype=np.uint8) for _ in paths]
    result = recognizer(crops)
    return list(zip(result.texts, result.confidences, strict=True))


def test_repeats_collapse_and_blanks_separate_letters() -> None:
    ((text, confidence),) = recognize(probs_for([1, 1, 0, 1, 2, 2, 0, 4, 3]))
    assert text == "aab c"
    assert confidence == pytest.approx(0.9)


def test_all_blank_line_is_empty_with_zero_confidence() -> None:
    assert recognize(probs_for([0, 0, 0])) == [("", 0.0)]


def test_confidence_is_the_mean_of_kept_characters() -> None:
    path = probs_for([1, 0, 2])
    path[2] = [0.1, 0.1, 0.5, 0.2, 0.1]
    ((text, confidence),) = recognize(path)
    assert text == "ab"
    assert confidence == pytest.approx((0.9 + 0.5) / 2)


def test_spaces_at_the_ends_of_a_line_are_dropped() -> None:
    ((text, _),) = recognize(probs_for([4, 1, 0, 4, 2, 4]))
    assert text == "a b"


def test_each_line_of_a_batch_gets_its_own_text() -> None:
    texts = [text for text, _ in recognize(probs_for([1, 0, 0]), probs_for([3, 0, 2]))]
    assert texts == ["a", "cb"]


def test_the_character_list_comes_from_a_dictionary_file_when_given(tmp_path: Path) -> None:
    characters = tmp_path / "dict.txt"
    characters.write_text("a\nb\nc\n", encoding="utf-8")
    assert load_charset({}, characters) == CHARSET
    with pytest.raises(ModelError, match="character_dict_path"):
        load_charset({})
