"""Layout blocks with a PP-DocLayout model (``PP-DocLayout_plus-L``, ``-L``, ``-M``, ``-S``):
PaddleDetection exports whose graph ends in its own box decoding and NMS.

The exported graph takes three inputs: ``image`` (1, 3, H, W), the page resized to the
model's square (no kept aspect ratio, bicubic) with pixels scaled to [0, 1] and normalized
per channel in RGB order; ``im_shape`` (1, 2), that input's height and width; and
``scale_factor`` (1, 2), the input's height and width over the page's. Its first output is
(N, 6) rows of class id, score and x0 y0 x1 y1 already in page pixels (the graph divides by
``scale_factor``); a row with class -1 is padding. The second output, where present, is
the number of rows. Per-class thresholds and non-maximum suppression follow, as for the
PicoDet head (``layout.select`` on one-hot scores).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.config import LayoutDetectionConfig
from ocr_inference.pipeline.engine import Model
from ocr_inference.pipeline.geometry import Image
from ocr_inference.pipeline.layout import LayoutBlock, LayoutResult, Selection, select
from ocr_inference.pipeline.sidecar import ModelFacts

Floats = npt.NDArray[np.float32]
_KEY = "SubModules.LayoutDetection"


def feeds(
    image: Image,
    size: tuple[int, int],
    mean: Sequence[float],
    std: Sequence[float],
) -> dict[str, Floats]:
    """The three inputs for a BGR page ``image`` and a model input of ``size`` (w, h)."""
    height, width = image.shape[:2]
    resized = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
    rgb = resized[:, :, ::-1].astype(np.float32) / 255.0
    normalized = (rgb - np.array(mean, np.float32)) / np.array(std, np.float32)
    tensor = np.ascontiguousarray(normalized.transpose(2, 0, 1)[np.newaxis], dtype=np.float32)
    return {
        "image": tensor,
        "im_shape": np.array([[size[1], size[0]]], dtype=np.float32),
        "scale_factor": np.array([[size[1] / height, size[0] / width]], dtype=np.float32),
    }


def rows(
    outputs: Sequence[npt.NDArray[np.generic]], classes: int, key: str = _KEY
) -> tuple[Floats, Floats]:
    """Boxes (N, 4) and one-hot scores (N, classes) of the graph's (N, 6) output.

    Raises:
        ModelError: the first output is not (N, 6).
    """
    table = np.asarray(outputs[0], dtype=np.float32)
    if table.ndim != 2 or table.shape[1] != 6:
        raise ModelError(
            f"{key}: a PaddleDetection model's first output is (N, 6), not {table.shape}"
        )
    if len(outputs) > 1 and np.asarray(outputs[1]).size == 1:
        table = table[: int(np.asarray(outputs[1]).ravel()[0])]
    ids = table[:, 0].astype(np.int64)
    table = table[(ids >= 0) & (ids < classes)]
    scores = np.zeros((len(table), classes), dtype=np.float32)
    scores[np.arange(len(table)), table[:, 0].astype(np.int64)] = table[:, 1]
    return np.ascontiguousarray(table[:, 2:6]), scores


def model_size(
    model: Model, facts: ModelFacts, configured: tuple[int, int] | None, key: str = _KEY
) -> tuple[int, int]:
    """(width, height) fed to the model: the graph's fixed size, else the configured one,
    else ``inference.yml``'s or the catalogue's.

    Raises:
        ModelError: none of them gives a size.
    """
    shape = model.inputs.get("image", ())
    if len(shape) == 4 and isinstance(shape[2], int) and isinstance(shape[3], int):
        return shape[3], shape[2]
    size = configured or facts.input_size
    if size is None:
        raise ModelError(f"{key}.input_size: the model's input size is not fixed; set it")
    return int(size[0]), int(size[1])


class DocLayoutDetector:
    """Finds layout blocks on a page image with a PP-DocLayout model."""

    def __init__(self, model: Model, config: LayoutDetectionConfig, facts: ModelFacts) -> None:
        if not facts.labels:
            raise ModelError(
                f"{_KEY}: no class labels for {model.name}: put its inference.yml beside it"
            )
        self._model = model
        self.labels = list(facts.labels)
        self._size = model_size(model, facts, config.input_size)
        self._mean = facts.mean or (0.0, 0.0, 0.0)
        self._std = facts.std or (1.0, 1.0, 1.0)
        self._params = Selection.configured(config, self.labels)

    def __call__(self, image: Image) -> LayoutResult:
        start = time.perf_counter()
        outputs = self._model.run(feeds(image, self._size, self._mean, self._std))
        boxes, scores = rows(outputs, len(self.labels))
        height, width = image.shape[:2]
        blocks = []
        for cls, score, box in select(boxes, scores, self._params):
            x0, y0 = max(0.0, float(box[0])), max(0.0, float(box[1]))
            x1, y1 = min(float(width), float(box[2])), min(float(height), float(box[3]))
            if x1 - x0 >= 2 and y1 - y0 >= 2:
                blocks.append(LayoutBlock(self.labels[cls], (x0, y0, x1, y1), score))
        self._model.release()
        return LayoutResult(blocks, time.perf_counter() - start)
