"""ONNX Runtime sessions: the one place where the device and threads are chosen."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from ocr_inference.errors import ConfigurationError

log = logging.getLogger(__name__)

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


@dataclass(frozen=True)
class EngineConfig:
    """How sessions are built. ``device`` is auto, cpu or cuda; 0 threads lets ORT choose.

    ``cpu_mem_arena`` keeps ONNX Runtime's CPU memory arena, which holds on to the largest
    tensors any page needed: faster, but a worker's memory stays at its peak.
    """

    device: Literal["auto", "cpu", "cuda"] = "auto"
    intra_op_threads: int = 0
    cpu_mem_arena: bool = True


def _onnxruntime() -> ModuleType:
    try:
        return importlib.import_module("onnxruntime")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigurationError(
            "onnxruntime is not installed: install the package with the 'cpu' or 'gpu' extra."
        ) from exc


@cache
def available_providers() -> tuple[str, ...]:
    """Execution providers of this process's ONNX Runtime, found (and CUDA libraries
    preloaded) once: every session of every stage asks."""
    ort = _onnxruntime()
    preload = getattr(ort, "preload_dlls", None)
    if preload is not None:  # onnxruntime-gpu >= 1.21 finds CUDA/cuDNN from pip packages
        try:
            preload()
        except Exception:
            log.debug("onnxruntime.preload_dlls failed", exc_info=True)
    return tuple(ort.get_available_providers())


def resolve_device(config: EngineConfig) -> Literal["cpu", "cuda"]:
    """The device sessions will run on; fails loudly when CUDA is required but absent."""
    if config.device == "cpu":
        return "cpu"
    has_cuda = CUDA in available_providers()
    if config.device == "cuda" and not has_cuda:
        raise ConfigurationError(
            "OCR_DEVICE=cuda but onnxruntime has no CUDAExecutionProvider: install the 'gpu' "
            "extra (onnxruntime-gpu) and make the CUDA libraries visible."
        )
    return "cuda" if has_cuda else "cpu"


def create_session(model: Path, config: EngineConfig) -> Any:
    """An InferenceSession for ``model`` on the configured device."""
    ort = _onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = config.intra_op_threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = config.cpu_mem_arena
    providers: list[Any] = [CPU]
    if resolve_device(config) == "cuda":
        providers = [(CUDA, {"arena_extend_strategy": "kSameAsRequested"}), CPU]
    try:
        return ort.InferenceSession(str(model), sess_options=options, providers=providers)
    except Exception as exc:
        raise ConfigurationError(f"Cannot load ONNX model {model}: {exc}") from exc
