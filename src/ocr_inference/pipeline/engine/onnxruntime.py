"""Models on ONNX Runtime: CUDA through onnxruntime-gpu, or its CPU provider."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ocr_inference.errors import ConfigurationError
from ocr_inference.pipeline.engine.base import EngineConfig, Tensor, import_engine

log = logging.getLogger(__name__)

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


def _onnxruntime() -> ModuleType:
    return import_engine(
        "onnxruntime",
        "onnxruntime is not installed: install the package with the 'cpu' or 'gpu' extra.",
    )


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
    """The device models will run on; fails loudly when CUDA is required but absent."""
    if config.device == "cpu":
        return "cpu"
    has_cuda = CUDA in available_providers()
    if config.device == "cuda" and not has_cuda:
        raise ConfigurationError(
            "OCR_DEVICE=cuda but onnxruntime has no CUDAExecutionProvider: install the 'gpu' "
            "extra (onnxruntime-gpu) and make the CUDA libraries visible."
        )
    return "cuda" if has_cuda else "cpu"


def create_session(model: Path, config: EngineConfig, device: str = "cpu") -> Any:
    """An InferenceSession for ``model`` on ``device``."""
    ort = _onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = config.intra_op_threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = config.cpu_mem_arena
    providers: list[Any] = [CPU]
    if device == "cuda":
        options_cuda = {"device_id": config.device_id, "arena_extend_strategy": "kSameAsRequested"}
        providers = [(CUDA, options_cuda), CPU]
    try:
        return ort.InferenceSession(str(model), sess_options=options, providers=providers)
    except Exception as exc:
        raise ConfigurationError(f"Cannot load ONNX model {model}: {exc}") from exc


class OnnxRuntimeModel:
    """One InferenceSession; its only input is fed the tensor."""

    engine = "onnxruntime"
    precision = "f32"

    def __init__(self, name: str, path: Path, config: EngineConfig, device: str) -> None:
        start = time.perf_counter()
        self.name = name
        self.session = create_session(path, config, device)
        self.inputs = {
            given.name: tuple(d if isinstance(d, int) else None for d in given.shape)
            for given in self.session.get_inputs()
        }
        self._input = next(iter(self.inputs))
        self.input_shape = self.inputs[self._input]
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        self.load_seconds = time.perf_counter() - start

    def __call__(self, tensor: Tensor) -> list[Tensor]:
        outputs: list[Tensor] = self.session.run(None, {self._input: tensor})
        return outputs

    def run(self, feeds: Mapping[str, npt.NDArray[np.generic]]) -> list[Tensor]:
        outputs: list[Tensor] = self.session.run(None, dict(feeds))
        return outputs

    def release(self) -> None:
        """Nothing to do: the memory arena setting (``cpu_mem_arena``) decides."""
