"""Inference engines: the one place where the device, the engine of each model, its
precision and its threads are chosen.

``Engines`` loads each model on ONNX Runtime (CUDA, or its CPU provider) or OpenVINO (CPU).
With ``engine="auto"``, CUDA runs everything on ONNX Runtime; on a CPU each shipped model
runs on the engine its manifest entry names (the faster one, as ``bench/engines.py``
measures), and a model of your own on OpenVINO. A model OpenVINO cannot compile falls back
to ONNX Runtime with a warning, whatever the setting; the result's ``meta.models`` says
which engine ran each one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from ocr_inference.errors import ConfigurationError, ModelError
from ocr_inference.pipeline.engine.base import (
    EngineConfig,
    EngineName,
    Loader,
    Model,
    Precision,
    return_freed_memory,
    usable_cores,
)
from ocr_inference.pipeline.engine.onnxruntime import (
    CPU,
    CUDA,
    OnnxRuntimeModel,
    available_providers,
    create_session,
    resolve_device,
)

__all__ = [
    "CPU",
    "CUDA",
    "EngineConfig",
    "EngineName",
    "Engines",
    "Loader",
    "Model",
    "Precision",
    "available_providers",
    "create_session",
    "resolve_device",
    "usable_cores",
]

log = logging.getLogger(__name__)


class Engines:
    """Loads models on the engine the configuration picks for each (a ``Loader``).

    Raises:
        ConfigurationError: the engine cannot serve the device or the precision.
    """

    def __init__(self, config: EngineConfig) -> None:
        if config.engine == "openvino" and config.device == "cuda":
            raise ConfigurationError(
                "OCR_ENGINE=openvino runs on the CPU only, but OCR_DEVICE=cuda: set "
                "OCR_ENGINE=auto or onnxruntime for CUDA, or OCR_DEVICE=cpu"
            )
        if config.engine == "onnxruntime" and config.precision == "bf16":
            raise ConfigurationError(
                f"OCR_ENGINE_PRECISION={config.precision} needs OpenVINO, but OCR_ENGINE="
                "onnxruntime, which runs f32 on this service: set OCR_ENGINE=auto or openvino, "
                "or OCR_ENGINE_PRECISION=f32"
            )
        self.config = config
        return_freed_memory()
        self.device: Literal["cpu", "cuda"] = (
            "cpu" if config.engine == "openvino" else resolve_device(config)
        )

    def choose(self, cpu_engine: str | None) -> str:
        """The engine a model runs on: ``cpu_engine`` is its manifest's choice on a CPU
        (None for a model of your own)."""
        if self.device == "cuda":
            return "onnxruntime"
        if self.config.engine != "auto":
            return self.config.engine
        return cpu_engine or "openvino"

    def load(self, stage: str, name: str, path: Path, cpu_engine: str | None) -> Model:
        model: Model
        if self.choose(cpu_engine) == "openvino":
            from ocr_inference.pipeline.engine.openvino import OpenVinoModel

            try:
                model = OpenVinoModel(name, path, self.config)
            except ModelError as exc:
                log.warning("%s runs on ONNX Runtime instead: %s", name, exc.message)
                model = OnnxRuntimeModel(name, path, self.config, self.device)
        else:
            model = OnnxRuntimeModel(name, path, self.config, self.device)
        log.info(
            "model %s (%s) loaded on %s, %s, %d threads, in %.2f s",
            name,
            stage,
            model.engine,
            model.precision,
            self.config.intra_op_threads,
            model.load_seconds,
            extra={
                "model": name,
                "engine": model.engine,
                "precision": model.precision,
                "load_seconds": round(model.load_seconds, 3),
            },
        )
        return model
