"""ocr-inference: asynchronous document OCR, served over HTTP with Celery.

The public surface is ``__all__``: the HTTP client, the pipeline and the schemas of its
results. They load on first use, so that ``import ocr_inference`` stays light (no numpy,
no inference engine).
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("ocr-inference")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from ocr_inference.client import ApiError, Client, TaskFailed
    from ocr_inference.pipeline import Pipeline, PipelineConfig
    from ocr_inference.schemas import Detection, DocumentResult, ErrorResult, TaskStatus

_PUBLIC = {
    "ApiError": "ocr_inference.client",
    "Client": "ocr_inference.client",
    "TaskFailed": "ocr_inference.client",
    "Pipeline": "ocr_inference.pipeline",
    "PipelineConfig": "ocr_inference.pipeline",
    "Detection": "ocr_inference.schemas",
    "DocumentResult": "ocr_inference.schemas",
    "ErrorResult": "ocr_inference.schemas",
    "TaskStatus": "ocr_inference.schemas",
}

__all__ = [
    "ApiError",
    "Client",
    "Detection",
    "DocumentResult",
    "ErrorResult",
    "Pipeline",
    "PipelineConfig",
    "TaskFailed",
    "TaskStatus",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
