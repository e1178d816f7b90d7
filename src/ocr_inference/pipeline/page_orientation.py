"""Page orientation (0, 90, 180 or 270 degrees) so that turned scans are read upright."""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ocr_inference.pipeline.batching import imagenet_bgr
from ocr_inference.pipeline.engine import Model
from ocr_inference.pipeline.geometry import Image

_SHORT_SIDE, _CROP = 256, 224


@dataclass
class PageOrientationResult:
    rotation: int  # degrees the page is turned clockwise from upright: 0, 90, 180, 270
    confidence: float
    seconds: float


def to_tensor(image: Image) -> npt.NDArray[np.float32]:
    """Short side to 256, centre crop 224, ImageNet normalization, BGR as trained."""
    height, width = image.shape[:2]
    ratio = _SHORT_SIDE / min(height, width)
    size = (max(_CROP, round(width * ratio)), max(_CROP, round(height * ratio)))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    top, left = (size[1] - _CROP) // 2, (size[0] - _CROP) // 2
    crop = imagenet_bgr(resized[top : top + _CROP, left : left + _CROP])
    return np.ascontiguousarray(crop.transpose(2, 0, 1)[np.newaxis])


class PageOrientation:
    """Predicts how far a page is turned; below ``min_confidence`` it is taken as upright."""

    def __init__(self, model: Model, min_confidence: float = 0.5) -> None:
        self._model = model
        labels = model.metadata.get("character", "0\n90\n180\n270")
        self._angles = [int(label) for label in labels.splitlines()]
        self._min_confidence = min_confidence

    def __call__(self, image: Image) -> PageOrientationResult:
        start = time.perf_counter()
        probs = self._model(to_tensor(image))[0][0]
        best = int(np.argmax(probs))
        confidence = float(probs[best])
        rotation = self._angles[best] if confidence >= self._min_confidence else 0
        self._model.release()
        return PageOrientationResult(rotation, confidence, time.perf_counter() - start)
