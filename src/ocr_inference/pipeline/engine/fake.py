"""A fake engine for tests of the plumbing: no model runs, yet each stage gets outputs of
the shape its post-processing expects, derived from the input it was given.

* page orientation: always upright;
* text detection: a page's ink, smeared along rows so the letters of a line join;
* line orientation: always upright;
* recognition: one ``a`` per run of ink columns (a crude glyph count), confidence 0.99;
* layout: no blocks; table structure: an empty sequence.

The models' metadata (labels, characters) is read from the real files, so stage set-up
runs as it would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from ocr_inference.pipeline.engine.base import Tensor
from ocr_inference.pipeline.engine.onnx_file import metadata

_INK = 0.25  # darkness (0 white, 1 black) that counts as ink
_REC_CHARSET = "abcdefghijklmnopqrstuvwxyz"
_REC_STRIDE = 8  # input pixels per recognition time step


def _orientation(classes: int) -> Callable[[Tensor], list[Tensor]]:
    def run(tensor: Tensor) -> list[Tensor]:
        probs = np.zeros((tensor.shape[0], classes), dtype=np.float32)
        probs[:, 0] = 1.0
        return [probs]

    return run


def _darkness(tensor: Tensor) -> Tensor:
    """Inputs are scaled to [-1, 1] (white 1) or ImageNet-normalized: both grow with light."""
    light = tensor.mean(axis=1)
    top = light.max(axis=(1, 2), keepdims=True)
    span = np.maximum(top - light.min(axis=(1, 2), keepdims=True), 1e-6)
    dark: Tensor = (top - light) / span
    return dark.astype(np.float32)


def _detection(tensor: Tensor) -> list[Tensor]:
    ink = (_darkness(tensor) > _INK).astype(np.uint8)
    maps = [cv2.dilate(page, np.ones((3, 41), np.uint8)) for page in ink]
    return [np.stack(maps)[:, np.newaxis].astype(np.float32)]


def _recognition(tensor: Tensor) -> list[Tensor]:
    ink = _darkness(tensor) > _INK  # (N, H, W)
    steps = tensor.shape[3] // _REC_STRIDE
    columns = ink[:, :, : steps * _REC_STRIDE].any(axis=1)
    per_step = columns.reshape(len(tensor), steps, _REC_STRIDE).any(axis=2)
    probs = np.zeros((len(tensor), steps, len(_REC_CHARSET) + 2), dtype=np.float32)
    probs[:, :, 0] = 1.0
    probs[per_step, 0] = 0.01
    probs[per_step, 1] = 0.99
    return [probs]


def _layout(tensor: Tensor) -> list[Tensor]:
    height, width = tensor.shape[2:]
    counts = [-(-height // s) * -(-width // s) for s in (8, 16, 32, 64)]
    scores = [np.zeros((1, n, 10), dtype=np.float32) for n in counts]
    boxes = [np.zeros((1, n, 32), dtype=np.float32) for n in counts]
    return scores + boxes


def _table(tensor: Tensor) -> list[Tensor]:
    return [np.zeros((1, 0, 8), dtype=np.float32), np.zeros((1, 0, 1), dtype=np.float32)]


_STAGES: dict[str, tuple[tuple[int | None, ...], Callable[[Tensor], list[Tensor]]]] = {
    "doc_orientation": ((None, 3, 224, 224), _orientation(4)),
    "text_detection": ((None, 3, None, None), _detection),
    "textline_orientation": ((None, 3, None, None), _orientation(2)),
    "text_recognition": ((None, 3, 48, None), _recognition),
    "layout": ((1, 3, 800, 608), _layout),
    "table_structure": ((None, 3, 488, 488), _table),
}


class FakeModel:
    engine = "fake"
    precision = "f32"

    def __init__(self, stage: str, name: str, meta: Mapping[str, str]) -> None:
        self.name = name
        self.input_shape, self._run = _STAGES[stage]
        self.inputs = {"x": self.input_shape}
        self.metadata = dict(meta)
        if stage == "text_recognition":
            self.metadata["character"] = "\n".join(_REC_CHARSET)
        self.load_seconds = 0.0
        self.calls = 0
        self.releases = 0

    def __call__(self, tensor: Tensor) -> list[Tensor]:
        self.calls += 1
        return self._run(tensor)

    def run(self, feeds: Mapping[str, Tensor]) -> list[Tensor]:
        """Models of several inputs are not faked: a stage that needs one needs its file."""
        raise NotImplementedError(f"the fake engine runs no model of inputs {sorted(feeds)}")

    def release(self) -> None:
        self.releases += 1


class FakeEngine:
    """A ``Loader`` whose models run no network; ``models`` keeps each one it made."""

    device: Literal["cpu", "cuda"] = "cpu"

    def __init__(self) -> None:
        self.models: dict[str, FakeModel] = {}

    def load(self, stage: str, name: str, path: Path, cpu_engine: str | None) -> FakeModel:
        start = time.perf_counter()
        model = FakeModel(stage, name, metadata(path))
        model.load_seconds = time.perf_counter() - start
        self.models[stage] = model
        return model
