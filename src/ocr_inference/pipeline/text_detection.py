"""Text line detection with a DB (differentiable binarization) model: pre -> model -> post."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pyclipper

from ocr_inference.pipeline.config import TextDetectionConfig
from ocr_inference.pipeline.engine import Model
from ocr_inference.pipeline.geometry import Image, Quad, order_clockwise

_STRIDE = 32


@dataclass
class TextDetectionResult:
    boxes: list[Quad] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    seconds: float = 0.0


def resize_for_detection(image: Image, params: TextDetectionConfig) -> tuple[Image, float, float]:
    """Resize so the long side fits ``limit_side_len`` and the short side reaches
    ``min_side_len`` where possible; both sides become multiples of 32.

    Returns the resized image and the x and y factors from resized back to original.
    """
    height, width = image.shape[:2]
    ratio = min(1.0, params.limit_side_len / max(height, width))
    if min(height, width) * ratio < params.min_side_len:
        ratio = min(
            params.min_side_len / min(height, width), params.limit_side_len * 2 / max(height, width)
        )
    new_h = max(_STRIDE, round(height * ratio / _STRIDE) * _STRIDE)
    new_w = max(_STRIDE, round(width * ratio / _STRIDE) * _STRIDE)
    resized: Image = np.asarray(
        cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8
    )
    return resized, width / new_w, height / new_h


@dataclass(frozen=True)
class Normalization:
    """How pixels are fed: the shipped models take RGB scaled to [-1, 1]; PaddleOCR's own
    det models (PP-OCRv4/v5, brought) BGR with ImageNet statistics, per their inference.yml."""

    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    bgr: bool = False


def to_tensor(image: Image, norm: Normalization = Normalization()) -> npt.NDArray[np.float32]:
    pixels = image[:, :, ::-1] if norm.bgr else image
    mean, std = np.array(norm.mean, np.float32), np.array(norm.std, np.float32)
    tensor = (pixels.astype(np.float32) * np.float32(1 / 255.0) - mean) / std
    return np.ascontiguousarray(tensor.transpose(2, 0, 1)[np.newaxis], dtype=np.float32)


def _min_area_quad(contour: npt.NDArray[Any]) -> tuple[Quad, float]:
    rect = cv2.minAreaRect(contour)
    return order_clockwise(cv2.boxPoints(rect)), float(min(rect[1]))


def _box_score(prob: npt.NDArray[np.float32], quad: Quad) -> float:
    height, width = prob.shape
    x0 = int(np.clip(np.floor(quad[:, 0].min()), 0, width - 1))
    x1 = int(np.clip(np.ceil(quad[:, 0].max()), 0, width - 1))
    y0 = int(np.clip(np.floor(quad[:, 1].min()), 0, height - 1))
    y1 = int(np.clip(np.ceil(quad[:, 1].max()), 0, height - 1))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    local = (quad - np.array([x0, y0], dtype=np.float32)).astype(np.int32)
    cv2.fillPoly(mask, [local.reshape(-1, 1, 2)], 1)
    return float(cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


def _unclip(quad: Quad, ratio: float) -> npt.NDArray[np.float32] | None:
    area = cv2.contourArea(quad)
    perimeter = cv2.arcLength(quad, True)
    if perimeter <= 0:
        return None
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(quad.astype(np.int64).tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    expanded = offset.Execute(area * ratio / perimeter)
    if len(expanded) != 1:
        return None
    return np.asarray(expanded[0], dtype=np.float32).reshape(-1, 1, 2)


def boxes_from_probability(
    prob: npt.NDArray[np.float32], params: TextDetectionConfig
) -> tuple[list[Quad], list[float]]:
    """DB post-processing on a probability map (H, W): quads in map coordinates."""
    bitmap = cv2.dilate((prob > params.thresh).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    height, width = prob.shape
    boxes: list[Quad] = []
    scores: list[float] = []
    for contour in contours[: params.max_candidates]:
        quad, short_side = _min_area_quad(contour)
        if short_side < params.min_size:
            continue
        score = _box_score(prob, quad)
        if score < params.box_thresh:
            continue
        expanded = _unclip(quad, params.unclip_ratio)
        if expanded is None:
            continue
        quad, short_side = _min_area_quad(expanded)
        if short_side < params.min_size + 2:
            continue
        quad[:, 0] = np.clip(quad[:, 0], 0, width)
        quad[:, 1] = np.clip(quad[:, 1], 0, height)
        boxes.append(quad)
        scores.append(score)
    return boxes, scores


class TextDetector:
    """Finds text line quads on a page image, in that image's pixel coordinates."""

    def __init__(
        self, model: Model, params: TextDetectionConfig, norm: Normalization = Normalization()
    ) -> None:
        self._model = model
        self._params = params
        self._norm = norm

    def __call__(self, image: Image) -> TextDetectionResult:
        start = time.perf_counter()
        resized, scale_x, scale_y = resize_for_detection(image, self._params)
        prob = self._model(to_tensor(resized, self._norm))[0][0, 0]
        quads, scores = boxes_from_probability(prob, self._params)
        height, width = image.shape[:2]
        kept: list[Quad] = []
        kept_scores: list[float] = []
        for quad, score in zip(quads, scores, strict=True):
            quad = quad * np.array([scale_x, scale_y], dtype=np.float32)
            quad[:, 0] = np.clip(quad[:, 0], 0, width - 1)
            quad[:, 1] = np.clip(quad[:, 1], 0, height - 1)
            if min(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[0] - quad[3])) <= 3:
                continue
            kept.append(quad.astype(np.float32))
            kept_scores.append(score)
        self._model.release()
        return TextDetectionResult(kept, kept_scores, time.perf_counter() - start)
