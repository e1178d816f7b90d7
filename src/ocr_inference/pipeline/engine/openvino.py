"""Models on OpenVINO's CPU plugin, compiled straight from the shipped ONNX files.

Shapes that vary (page sizes, line widths) need no recompilation: the models keep their
dynamic dimensions and the plugin adapts per call. With a cache directory, compiled models
are exported there and imported at the next start; a blob is written to a temporary file
and renamed into place, so processes sharing the directory never read a partial one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.engine.base import EngineConfig, Tensor, import_engine
from ocr_inference.pipeline.engine.onnx_file import metadata

log = logging.getLogger(__name__)

# CPU flag of the family on which bf16 kept CER within 0.1 point of f32 on every set
# (docs/benchmarks.md): there, OCR_ENGINE_PRECISION=auto means bf16.
_BF16_MEASURED_ON = "amx_bf16"


@cache
def bf16_measured_here() -> bool:
    """Whether this CPU is of the family bf16's accuracy was measured on."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            flags = next((line for line in cpuinfo if line.startswith("flags")), "")
    except OSError:  # pragma: no cover - not Linux
        return False
    return _BF16_MEASURED_ON in flags.split()


def precision_for(config: EngineConfig) -> str:
    """The precision to ask OpenVINO for: auto resolved on this CPU."""
    if config.precision == "auto":
        return "bf16" if bf16_measured_here() else "f32"
    return config.precision


def _openvino() -> ModuleType:
    return import_engine(
        "openvino", "The openvino package, which runs OCR_ENGINE=openvino, is not installed."
    )


@cache
def core() -> Any:
    """This process's OpenVINO Core (one per process, shared by every model)."""
    return _openvino().Core()


def version() -> str:
    return str(_openvino().get_version())


def _properties(config: EngineConfig) -> dict[str, Any]:
    return {
        "INFERENCE_PRECISION_HINT": precision_for(config),
        "INFERENCE_NUM_THREADS": config.intra_op_threads,
        "PERFORMANCE_HINT": "LATENCY",
        "NUM_STREAMS": 1,
        # several worker processes share the cores: pinning would stack their threads
        "ENABLE_CPU_PINNING": False,
        # kernels prepared for each new input shape are not kept: with the default (5000
        # shapes) a worker's memory kept growing page after page, for about 4 % of speed
        "CPU_RUNTIME_CACHE_CAPACITY": 0,
    }


def _cache_file(directory: Path, path: Path, properties: dict[str, Any]) -> Path:
    """The blob of ``path`` compiled with ``properties`` by this OpenVINO on this CPU."""
    cpu = core().get_property("CPU", "FULL_DEVICE_NAME")
    key = hashlib.sha256()
    for part in (path.read_bytes(), version().encode(), str(cpu).encode()):
        key.update(hashlib.sha256(part).digest())
    key.update(repr(sorted(properties.items())).encode())
    return directory / f"{path.stem}-{key.hexdigest()[:32]}.blob"


def compile_model(path: Path, config: EngineConfig) -> tuple[Any, bool]:
    """The compiled model and whether it came from the cache.

    Raises:
        ModelError: OpenVINO cannot read or compile it (an unsupported operation, say).
    """
    properties = _properties(config)
    blob = None if config.cache_dir is None else _cache_file(config.cache_dir, path, properties)
    if blob is not None and blob.is_file():
        try:
            return core().import_model(blob.read_bytes(), "CPU", properties), True
        except Exception as exc:  # a blob from a damaged disk: compile again, replace it
            log.warning("OpenVINO cache blob %s is unusable (%s); compiling again", blob, exc)
    try:
        compiled = core().compile_model(str(path), "CPU", properties)
    except Exception as exc:
        first = str(exc).strip().splitlines()
        raise ModelError(
            f"OpenVINO cannot compile {path.name}: {first[-1] if first else exc}"
        ) from exc
    if blob is not None:
        _store(blob, compiled)
    return compiled, False


def _store(blob: Path, compiled: Any) -> None:
    """Write the exported model beside its final name, then rename it into place."""
    try:
        blob.parent.mkdir(parents=True, exist_ok=True)
        data = compiled.export_model().getbuffer()
        handle, temporary = tempfile.mkstemp(dir=blob.parent, prefix=".", suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, blob)
    except OSError as exc:  # a cache is an optimization: never a reason to fail
        log.warning("cannot write the OpenVINO cache %s: %s", blob, exc)


class OpenVinoModel:
    """A compiled model with one infer request (a process runs one page at a time)."""

    engine = "openvino"

    def __init__(self, name: str, path: Path, config: EngineConfig) -> None:
        start = time.perf_counter()
        self.name = name
        compiled, self.cached = compile_model(path, config)
        self._compiled = compiled
        self._request = compiled.create_infer_request()
        self._outputs = list(compiled.outputs)
        self.inputs = {
            port.get_any_name(): tuple(
                None if d.is_dynamic else d.get_length() for d in port.get_partial_shape()
            )
            for port in compiled.inputs
        }
        self.input_shape = next(iter(self.inputs.values()))
        hint = str(compiled.get_property("INFERENCE_PRECISION_HINT"))
        self.precision = "bf16" if "bf16" in hint or "bfloat16" in hint else "f32"
        self.metadata = metadata(path)
        self.load_seconds = time.perf_counter() - start

    def __call__(self, tensor: Tensor) -> list[Tensor]:
        result = self._request.infer({0: tensor})  # outputs copied out of the request
        return [result[output] for output in self._outputs]

    def run(self, feeds: Mapping[str, npt.NDArray[np.generic]]) -> list[Tensor]:
        result = self._request.infer(dict(feeds))
        return [result[output] for output in self._outputs]

    def release(self) -> None:
        """The plugin keeps buffers for the largest input seen (a big page's detection
        holds hundreds of MB); dropping them after each page costs a re-allocation."""
        self._compiled.release_memory()
