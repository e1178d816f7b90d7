"""The public error of a failed task, whatever exception Celery stored for it: the API
shows it and the worker counts failures by its code. Exceptions are classified by their
type, never by their text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billiard.exceptions import WorkerLostError
from celery.exceptions import ChordError, TimeLimitExceeded

from ocr_inference.errors import OCRError, TaskTimeout, WorkerLost, error_from_code
from ocr_inference.schemas import ErrorResult

_RANGE_FAILED = "Processing a range of pages failed."


def error_result(
    exc: BaseException | Any, ended_code: Callable[[], str | None] | None = None
) -> ErrorResult:
    """The public error for whatever exception Celery stored for a failed task.

    A split document whose page range failed is stored as a ``ChordError``. Where it
    was raised (in the worker that ends the document) it carries the range's exception as
    its cause; as read back from the result backend it does not, and ``ended_code`` gives
    the code the worker ended the document with.
    """
    error = _classified(exc)
    if error is not None:
        return error
    if isinstance(exc, ChordError):
        cause = exc.__cause__
        if cause is not None:
            return _classified(cause) or ErrorResult(error=_RANGE_FAILED, code=OCRError.code)
        code = ended_code() if ended_code is not None else None
        if code is not None:
            return _as_result(_with_default_message(error_from_code(code, _RANGE_FAILED)))
        return ErrorResult(error=_RANGE_FAILED, code=OCRError.code)
    return ErrorResult(error=f"Processing failed ({type(exc).__name__}).", code=OCRError.code)


def _classified(exc: BaseException | Any) -> ErrorResult | None:
    if isinstance(exc, OCRError):
        return _as_result(exc)
    if isinstance(exc, WorkerLostError):
        return _as_result(WorkerLost.after())
    if isinstance(exc, TimeLimitExceeded):
        return _as_result(TaskTimeout.after())
    return None


def _with_default_message(error: OCRError) -> OCRError:
    """The error as the worker words it when it has no more to say than its code."""
    if isinstance(error, WorkerLost):
        return WorkerLost.after()
    if isinstance(error, TaskTimeout):
        return TaskTimeout.after()
    return error


def _as_result(error: OCRError) -> ErrorResult:
    return ErrorResult(error=error.message, code=error.code)
