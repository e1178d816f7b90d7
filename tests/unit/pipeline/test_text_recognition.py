from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.text_recognition import ctc_greedy_decode, load_charset

CHARSET = ["", "a", "b", "c", " "]


def probs_for(path: list[int], confidence: float = 0.9) -> np.ndarray:
    rows = np.full((len(path), len(CHARSET)), (1 - confidence) / (len(CHARSET) - 1))
    rows[np.arange(len(path)), path] = confidence
    return rows.astype(np.float32)


def test_repeats_collapse_and_blanks_separate_letters() -> None:
    batch = np.stack([probs_for([1, 1, 0, 1, 2, 2, 0, 4, 3])])
    ((text, confidence),) = ctc_greedy_decode(batch, CHARSET)
    assert text == "aab c"
    assert confidence == pytest.approx(0.9)


def test_all_blank_line_is_empty_with_zero_confidence() -> None:
    ((text, confidence),) = ctc_greedy_decode(np.stack([probs_for([0, 0, 0])]), CHARSET)
    assert (text, confidence) == ("", 0.0)


def test_confidence_is_the_mean_of_kept_characters() -> None:
    path = probs_for([1, 0, 2])
    path[2] = [0.1, 0.1, 0.5, 0.2, 0.1]
    ((text, confidence),) = ctc_greedy_decode(np.stack([path]), CHARSET)
    assert text == "ab"
    assert confidence == pytest.approx((0.9 + 0.5) / 2)


def test_the_character_list_comes_from_a_dictionary_file_when_given(tmp_path: Path) -> None:
    characters = tmp_path / "dict.txt"
    characters.write_text("a\nb\nc\n", encoding="utf-8")
    assert load_charset({}, characters) == CHARSET
    with pytest.raises(ModelError, match="character_dict_path"):
        load_charset({})
