"""ocr-inference: asynchronous document OCR on ONNX Runtime, served over HTTP with Celery."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ocr-inference")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
