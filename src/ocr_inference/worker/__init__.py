"""The Celery worker: ``celery -A ocr_inference.worker worker``.

The app (defined in ``main``) is built on first access to ``ocr_inference.worker.app``,
so that importing the queue configuration (``ocr_inference.tasks.queue``), as the API
does, has no side effects.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["app", "document_failed", "merge_pages", "process_document", "process_pages"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("ocr_inference.worker.main"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
