"""The public error of a failed task, whatever exception Celery stored for it: the API
shows it and the worker counts failures by its code."""

from __future__ import annotations

from typing import Any

from billiard.exceptions import WorkerLostError
from celery.exceptions import ChordError, TimeLimitExceeded

from ocr_inference.errors import OCRError
from ocr_inference.schemas import ErrorResult

_TIMEOUT = ErrorResult(error="Processing exceeded the task time limit.", code="timeout")
_WORKER_LOST = ErrorResult(
    error="Worker processes died repeatedly while processing this document.", code="worker_lost"
)


def _page_range_error(detail: str) -> ErrorResult:
    if "TimeLimitExceeded" in detail:
        return _TIMEOUT
    if "WorkerLostError" in detail:
        return _WORKER_LOST
    return ErrorResult(error="Processing a range of pages failed.", code="internal_error")


def error_result(exc: BaseException | Any) -> ErrorResult:
    """The public error for whatever exception Celery stored for a failed task."""
    if isinstance(exc, OCRError):
        return ErrorResult(error=exc.message, code=exc.code)
    if isinstance(exc, WorkerLostError):
        return _WORKER_LOST
    if isinstance(exc, ChordError):  # a page range of a split document failed in Celery
        return _page_range_error(str(exc))
    if isinstance(exc, TimeLimitExceeded):
        return _TIMEOUT
    return ErrorResult(error=f"Processing failed ({type(exc).__name__}).", code="internal_error")
