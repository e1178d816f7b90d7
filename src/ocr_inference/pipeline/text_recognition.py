"""Text recognition with a CTC model whose character set is stored in the ONNX metadata."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.batching import batches_by_width, normalize_line, scaled_width
from ocr_inference.pipeline.engine import Model
from ocr_inference.pipeline.geometry import Image
from ocr_inference.pipeline.words import WordSpan, ctc_words

_HEIGHT = 48
# Input widths are rounded up to this many pixels, so a batch's lines share a few shapes
# (OpenVINO prepares each new shape once) with little padding; a line's cost grows with
# its padded width, not with the batch it is in.
_WIDTH_STEP = 32
_BATCH_WIDTH_SUM = 4096  # lines x input width per batch: bounds a batch's memory


@dataclass
class RecognitionResult:
    texts: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    seconds: float = 0.0
    words: list[list[WordSpan]] = field(default_factory=list)


def load_charset(
    metadata: Mapping[str, str], characters: Path | Sequence[str] | None = None
) -> list[str]:
    """CTC vocabulary: blank, the model's characters, then the space character.

    The characters come from ``characters`` when given (a file of one per line, PaddleOCR's
    dictionary format, or the list an ``inference.yml`` holds), else from the model's
    ``character`` metadata.

    Raises:
        ModelError: neither gives a character list.
    """
    if characters is not None and not isinstance(characters, Path):
        return ["", *characters, " "]
    if characters is not None:
        try:
            lines = characters.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ModelError(f"Cannot read the character list {characters}: {exc}") from exc
        return ["", *lines, " "]
    if "character" not in metadata:
        raise ModelError(
            "The recognition model carries no 'character' list in its metadata: set "
            "SubModules.TextRecognition.character_dict_path"
        )
    return ["", *metadata["character"].splitlines(), " "]


def ctc_best_path(
    probs: npt.NDArray[np.float32], charset: list[str]
) -> list[tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
    """Per row of (N, T, C) probabilities: the kept characters, the time step each was
    emitted at and its probability (repeats collapsed, blanks dropped)."""
    indices = probs.argmax(axis=2)
    maxima = probs.max(axis=2)
    rows = []
    for row, row_probs in zip(indices, maxima, strict=True):
        keep = np.ones(len(row), dtype=bool)
        keep[1:] = row[1:] != row[:-1]
        keep &= row != 0
        chars = [charset[i] if i < len(charset) else "" for i in row[keep]]
        rows.append((chars, np.flatnonzero(keep).astype(np.int64), row_probs[keep]))
    return rows


class TextRecognizer:
    def __init__(
        self,
        model: Model,
        batch_size: int,
        characters: Path | Sequence[str] | None = None,
        bgr: bool = False,
    ) -> None:
        """``bgr``: feed crops in BGR order, as PaddleOCR feeds its own recognizers."""
        self._model = model
        self._bgr = bgr
        self._charset = load_charset(model.metadata, characters)
        self._batch_size = batch_size

    def __call__(self, crops: list[Image]) -> RecognitionResult:
        start = time.perf_counter()
        texts = [""] * len(crops)
        confidences = [0.0] * len(crops)
        words: list[list[WordSpan]] = [[] for _ in crops]
        widths = [input_width(crop) for crop in crops]
        for batch in batches_by_width(widths, self._batch_size, _BATCH_WIDTH_SUM):
            width = max(widths[i] for i in batch)
            tensor = np.stack(
                [
                    normalize_line(crops[i][:, :, ::-1] if self._bgr else crops[i], _HEIGHT, width)
                    for i in batch
                ]
            )
            probs = self._model(tensor)[0]
            for index, (chars, steps, kept) in zip(
                batch, ctc_best_path(probs, self._charset), strict=True
            ):
                texts[index] = "".join(chars).strip()
                confidences[index] = float(kept.mean()) if len(kept) else 0.0
                words[index] = ctc_words(chars, steps, kept, _step(crops[index], width, probs))
        self._model.release()
        return RecognitionResult(texts, confidences, time.perf_counter() - start, words)


def input_width(crop: Image) -> int:
    """The recognizer's input width for ``crop`` at its height, rounded up to the step."""
    return -(-scaled_width(crop, _HEIGHT) // _WIDTH_STEP) * _WIDTH_STEP


def _step(crop: Image, width: int, probs: npt.NDArray[np.float32]) -> float:
    """One time step's width as a fraction of ``crop``'s width: the T steps cover the whole
    ``width``-pixel input, of which the resized crop fills the left part (``normalize_line``)."""
    resized_w = min(width, scaled_width(crop, _HEIGHT))
    return float(width / probs.shape[1] / resized_w)
