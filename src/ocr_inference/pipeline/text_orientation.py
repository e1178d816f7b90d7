"""Text line orientation (0 or 180 degrees) so upside-down lines are read right way up."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from ocr_inference.pipeline.batching import batches_by_aspect, imagenet_bgr, normalize_line
from ocr_inference.pipeline.engine import Model
from ocr_inference.pipeline.geometry import Image

_HEIGHT, _WIDTH = 48, 192


@dataclass
class OrientationResult:
    rotated: list[bool] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    seconds: float = 0.0


class TextlineOrientation:
    """Classifies crops as upright or upside down (nominates lines to turn)."""

    def __init__(self, model: Model, thresh: float, batch_size: int, stretch: bool = False) -> None:
        """``stretch``: resize each crop to the input size and normalize it with ImageNet
        statistics, as PaddleX feeds its PP-LCNet line orientation models; otherwise keep
        its aspect ratio, pad it and scale it to [-1, 1], as the shipped model is fed."""
        self._model = model
        self._stretch = stretch
        shape = model.input_shape  # PP-LCNet textline models take 80x160
        height, width = (shape[2], shape[3]) if len(shape) == 4 else (None, None)
        self._size = (height, width) if height and width else (_HEIGHT, _WIDTH)
        self._thresh = thresh
        self._batch_size = batch_size

    def __call__(self, crops: list[Image]) -> OrientationResult:
        start = time.perf_counter()
        rotated = [False] * len(crops)
        scores = [0.0] * len(crops)
        for batch in batches_by_aspect(crops, self._batch_size):
            tensor = np.stack([self._tensor(crops[i]) for i in batch])
            probs = self._model(tensor)[0]
            for index, row in zip(batch, probs, strict=True):
                label = int(np.argmax(row))
                scores[index] = float(row[label])
                rotated[index] = label == 1 and scores[index] > self._thresh
        self._model.release()
        return OrientationResult(rotated, scores, time.perf_counter() - start)

    def _tensor(self, crop: Image) -> npt.NDArray[np.float32]:
        if not self._stretch:
            return normalize_line(crop, *self._size)
        height, width = self._size
        resized = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
        return np.ascontiguousarray(imagenet_bgr(resized).transpose(2, 0, 1))
