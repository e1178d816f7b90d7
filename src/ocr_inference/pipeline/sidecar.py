"""A model's ``inference.yml``: what PaddleX publishes beside each inference model, and what
``paddle2onnx`` leaves beside the ONNX file it writes into the same directory.

Only what the decoders use is read: class labels (``label_list``), a recognizer's or a
table model's characters (``PostProcess.character_dict``), and the detection input size and
normalization (``Preprocess``: ``Resize.target_size``, ``NormalizeImage.mean``/``std``;
``ResizeTableImage.max_len`` for a table model).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.catalog import SIDECAR_NAME, KnownModel


@dataclass(frozen=True)
class ModelFacts:
    """What a decoder needs besides the graph, from ``inference.yml`` or the catalogue."""

    labels: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    input_size: tuple[int, int] | None = None  # width, height
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None
    source: str = "defaults"  # the inference.yml read, or "defaults"


def beside(model: Path) -> Path | None:
    """The ``inference.yml`` in the model file's directory, if there is one."""
    path = model.parent / SIDECAR_NAME
    return path if path.is_file() else None


def read(path: Path) -> dict[str, Any]:
    """The mapping in an ``inference.yml``.

    Raises:
        ModelError: it cannot be read, is not YAML or not a mapping; the message names it.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ModelError(f"Cannot read {path} ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path}: expected a mapping at the top")
    return data


def _steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    steps = data.get("Preprocess") or data.get("PreProcess") or []
    if isinstance(steps, dict):  # PaddleOCR's shape: {transform_ops: [{Name: {...}}, ...]}
        steps = steps.get("transform_ops") or []
    flat = []
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict) and "type" in step:
            flat.append(step)
        elif isinstance(step, dict) and len(step) == 1:
            (name, params), *_ = step.items()
            flat.append({"type": name, **(params if isinstance(params, dict) else {})})
    return flat


def _triple(value: Any) -> tuple[float, float, float] | None:
    if isinstance(value, list) and len(value) == 3:
        return float(value[0]), float(value[1]), float(value[2])
    return None


def parse(data: dict[str, Any], source: str) -> ModelFacts:
    """The decoder's facts in an ``inference.yml``'s mapping."""
    labels = tuple(str(label) for label in data.get("label_list") or ())
    post = data.get("PostProcess") or {}
    characters = tuple(str(c) for c in (post.get("character_dict") or ()))
    size = mean = std = None
    for step in _steps(data):
        if step["type"] == "Resize" and isinstance(step.get("target_size"), list):
            height, width = step["target_size"]  # PaddleDetection gives [h, w]
            size = (int(width), int(height))
        if step["type"] == "ResizeTableImage" and isinstance(step.get("max_len"), int):
            size = (step["max_len"], step["max_len"])  # tables fit a square of this side
        if step["type"] in ("NormalizeImage", "Normalize"):
            mean, std = _triple(step.get("mean")), _triple(step.get("std"))
    return ModelFacts(labels, characters, size, mean, std, source)


def model_info(path: Path, known: KnownModel | None) -> ModelFacts:
    """The facts of the model file at ``path``: its ``inference.yml`` where one sits beside
    it, else the catalogue's defaults for its name (nothing for a model it does not know).

    Raises:
        ModelError: the ``inference.yml`` beside it is unreadable.
    """
    found = beside(path)
    info = parse(read(found), str(found)) if found is not None else ModelFacts()
    if known is None:
        return info
    return ModelFacts(
        info.labels or known.labels,
        info.characters,
        info.input_size or known.input_size,
        info.mean or known.mean,
        info.std or known.std,
        info.source,
    )
