"""Shared pre-processing: text line crops for the classifier and the recognizer, and the
ImageNet normalization of the page orientation, layout and table models."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr_inference.pipeline.geometry import Image


def batches_by_aspect(crops: Sequence[Image], batch_size: int) -> Iterator[list[int]]:
    """Indices of ``crops`` in batches of similar width/height ratio (less padding)."""
    order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / max(crops[i].shape[0], 1))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def batches_by_width(
    widths: Sequence[int], batch_size: int, max_width_sum: int
) -> Iterator[list[int]]:
    """Indices of lines in batches of similar input width, narrowest first: at most
    ``batch_size`` lines, and lines x the widest at most ``max_width_sum`` pixels (one line
    at least), so a batch of wide lines stays small in memory and narrow lines are not
    padded to a wide one's width."""
    order = sorted(range(len(widths)), key=lambda i: widths[i])
    batch: list[int] = []
    for index in order:  # widths only grow along the order: the newest line is the widest
        if batch and (len(batch) == batch_size or (len(batch) + 1) * widths[index] > max_width_sum):
            yield batch
            batch = []
        batch.append(index)
    if batch:
        yield batch


def scaled_width(crop: Image, height: int) -> int:
    """``crop``'s width once resized to ``height`` pixels high, keeping its ratio."""
    h, w = crop.shape[:2]
    return max(1, math.ceil(height * int(w) / max(int(h), 1)))


def normalize_line(crop: Image, height: int, width: int) -> npt.NDArray[np.float32]:
    """Resize ``crop`` to ``height`` keeping its ratio (at most ``width``), scale to
    [-1, 1] and pad on the right to ``width``. Returns CHW float32."""
    resized_w = min(width, scaled_width(crop, height))
    resized = cv2.resize(crop, (resized_w, height), interpolation=cv2.INTER_LINEAR)
    tensor = np.zeros((3, height, width), dtype=np.float32)
    tensor[:, :, :resized_w] = (resized.astype(np.float32).transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return tensor


_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def imagenet_bgr(image: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """An RGB image of 0-255 pixel values as the PaddlePaddle vision models were trained on
    it: channels in BGR order, scaled to [0, 1], ImageNet mean and std. HWC float32."""
    scaled = image[:, :, ::-1].astype(np.float32) / 255.0
    normalized: npt.NDArray[np.float32] = (scaled - _IMAGENET_MEAN) / _IMAGENET_STD
    return normalized
