"""What every inference engine offers the stages: a loaded model is called with one input
tensor (or ``run`` with several, by name) and returns its outputs in the graph's order."""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from ocr_inference.errors import ConfigurationError

EngineName = Literal["auto", "onnxruntime", "openvino"]
Precision = Literal["auto", "f32", "bf16"]
Device = Literal["auto", "cpu", "cuda"]
Tensor = npt.NDArray[np.float32]


def import_engine(name: str, missing: str) -> ModuleType:
    """An engine's Python module, imported when first needed.

    Raises:
        ConfigurationError: it is not installed; ``missing`` says what to do.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigurationError(missing) from exc


def return_freed_memory() -> None:
    """Make glibc hand large freed blocks back to the system at once.

    The engines allocate and free working buffers of tens to hundreds of MB per page.
    glibc raises its mmap threshold after such frees and then keeps freed blocks in the
    heap, so a worker's memory stayed near its largest page's even after the engines let
    go. A fixed threshold of 1 MiB (which also stops the adjustment) keeps blocks that
    large in their own mappings, returned on free. Elsewhere than glibc, nothing happens.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)


_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
_MMAP_THRESHOLD = 1 << 20


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, as taskset or a container's cpuset
    leaves it), not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - platforms without affinity


@dataclass(frozen=True)
class EngineConfig:
    """How models are loaded and run.

    Attributes:
        device: auto, cpu or cuda.
        engine: auto (OpenVINO on CPU where it is faster, ONNX Runtime on CUDA),
            onnxruntime or openvino.
        precision: what OpenVINO computes in: auto is bf16 on CPUs of the family whose
            accuracy with bf16 was measured (those with AMX-BF16), f32 elsewhere; models on
            ONNX Runtime always run f32.
        threads: threads per model call; 0 shares the usable cores among ``processes``.
        processes: how many processes on this machine run models at once.
        cpu_mem_arena: ONNX Runtime's CPU memory arena, which keeps the largest tensors any
            page needed: faster, but a process's memory stays at its peak.
        cache_dir: where OpenVINO's compiled models are kept between starts; None: no cache.
        device_id: the CUDA device this process's ONNX Runtime sessions run on (the CUDA
            provider's ``device_id``); ignored on the CPU.
    """

    device: Device = "auto"
    engine: EngineName = "auto"
    precision: Precision = "f32"
    threads: int = 0
    processes: int = 1
    cpu_mem_arena: bool = False
    cache_dir: Path | None = None
    device_id: int = 0

    @property
    def intra_op_threads(self) -> int:
        """Threads per model call: the configured number, else this process's share of the
        usable cores (at least one)."""
        return self.threads or max(1, usable_cores() // max(1, self.processes))


class Model(Protocol):
    """A loaded model: ``model(tensor)`` runs it on its one input."""

    @property
    def name(self) -> str: ...

    @property
    def engine(self) -> str:
        """onnxruntime, openvino or fake: the engine that actually runs it."""

    @property
    def precision(self) -> str: ...

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        """The input's dimensions, None where the model takes any size."""

    @property
    def inputs(self) -> Mapping[str, tuple[int | None, ...]]:
        """Every input's name and dimensions, in the graph's order."""

    @property
    def metadata(self) -> Mapping[str, str]:
        """The ONNX file's metadata_props."""

    @property
    def load_seconds(self) -> float: ...

    def __call__(self, tensor: Tensor) -> list[Tensor]: ...

    def run(self, feeds: Mapping[str, npt.NDArray[np.generic]]) -> list[Tensor]:
        """Run a model of several inputs, each fed by name."""

    def release(self) -> None:
        """Give back the working memory sized for the inputs seen so far; a stage calls it
        when it is done with a page, so that stages' peaks do not add up."""


class Loader(Protocol):
    """Turns a verified model file into a runnable model for a pipeline stage."""

    device: Literal["cpu", "cuda"]

    def load(self, stage: str, name: str, path: Path, cpu_engine: str | None) -> Model: ...
