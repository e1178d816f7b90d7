"""Table cell boxes from an RT-DETR-L cell detector (``RT-DETR-L_wired_table_cell_det``,
``..._wireless_...``), which refine the cell boxes of the table structure model.

The detector is a PaddleDetection export like PP-DocLayout's (``image``, ``im_shape``,
``scale_factor`` in; (N, 6) rows out, in the crop's pixels) with one class, ``cell``. Each
cell of the structure model then takes the detected box that overlaps it most, where the
overlap (IoU) reaches ``min_iou``; the others keep the structure model's box. The HTML
structure itself stays the structure model's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ocr_inference.pipeline.config import TableCellsDetectionConfig
from ocr_inference.pipeline.engine import Model
from ocr_inference.pipeline.geometry import Image, Quad, bounds
from ocr_inference.pipeline.layout import iou_one_to_many, nms
from ocr_inference.pipeline.layout_doclayout import feeds, model_size, rows
from ocr_inference.pipeline.sidecar import ModelFacts

Floats = npt.NDArray[np.float32]
_KEY = "SubModules.TableCellsDetection"
_NMS_IOU = 0.9  # the graph's output is already suppressed; only near-duplicates go


@dataclass
class DetectedCells:
    boxes: Floats = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    seconds: float = 0.0


class TableCellsDetector:
    """Cell boxes (x0, y0, x1, y1) on a table image, in that image's pixels."""

    def __init__(self, model: Model, config: TableCellsDetectionConfig, facts: ModelFacts) -> None:
        self._model = model
        self._classes = max(1, len(facts.labels))
        self._size = model_size(model, facts, None, _KEY)
        self._mean = facts.mean or (0.0, 0.0, 0.0)
        self._std = facts.std or (1.0, 1.0, 1.0)
        self._threshold = config.threshold
        self.min_iou = config.min_iou

    def __call__(self, image: Image) -> DetectedCells:
        start = time.perf_counter()
        outputs = self._model.run(feeds(image, self._size, self._mean, self._std))
        boxes, scores = rows(outputs, self._classes, _KEY)
        best = scores.max(axis=1) if len(scores) else np.zeros(0, np.float32)
        keep = best > self._threshold
        boxes, best = boxes[keep], best[keep]
        kept = nms(boxes, best, _NMS_IOU) if len(boxes) else []
        self._model.release()
        return DetectedCells(boxes[kept].astype(np.float32), time.perf_counter() - start)


def refine(cells: Sequence[Quad], detected: Floats, min_iou: float) -> list[Quad]:
    """Each structure cell's quad, replaced by the detected box overlapping it most where
    that overlap reaches ``min_iou``."""
    if not len(detected):
        return list(cells)
    refined = []
    for quad in cells:
        rect = np.array(bounds(quad), dtype=np.float32)
        overlaps = iou_one_to_many(rect, detected)
        best = int(np.argmax(overlaps))
        if overlaps[best] < min_iou:
            refined.append(quad)
            continue
        x0, y0, x1, y1 = detected[best].tolist()
        refined.append(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32))
    return refined
