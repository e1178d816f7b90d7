"""Every way a task can fail maps to a stable public code."""

from __future__ import annotations

import pytest
from billiard.exceptions import WorkerLostError
from celery.exceptions import ChordError, TimeLimitExceeded

from ocr_inference.errors import CorruptDocument
from ocr_inference.tasks.failures import error_result


def caused(cause: BaseException) -> ChordError:
    """A page range's failure as the worker that ends the document sees it."""
    error = ChordError("Dependency 1f raised ...")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (CorruptDocument("Page 3 cannot be read."), "corrupt_document"),
        (WorkerLostError("killed"), "worker_lost"),
        (TimeLimitExceeded(300), "timeout"),
        (caused(TimeLimitExceeded(300)), "timeout"),
        (caused(WorkerLostError("Worker exited")), "worker_lost"),
        (caused(KeyError("x")), "internal_error"),
        (ChordError("Dependency 1f raised TimeLimitExceeded(300,)"), "internal_error"),
        (ValueError("boom"), "internal_error"),
    ],
)
def test_every_failure_has_a_stable_code(exc: BaseException, code: str) -> None:
    result = error_result(exc)
    assert result.code == code and result.error


@pytest.mark.parametrize(
    ("ended", "code", "message"),
    [
        ("timeout", "timeout", "Processing exceeded the task time limit."),
        ("worker_lost", "worker_lost", "Worker processes died repeatedly"),
        ("corrupt_document", "corrupt_document", "Processing a range of pages failed."),
        (None, "internal_error", "Processing a range of pages failed."),
    ],
)
def test_a_range_failure_read_back_takes_the_code_the_worker_ended_it_with(
    ended: str | None, code: str, message: str
) -> None:
    """The text of the stored ChordError names the range's exception; it is not read."""
    stored = ChordError("Dependency 1f raised TimeLimitExceeded(300,)")
    result = error_result(stored, lambda: ended)
    assert result.code == code and result.error.startswith(message)
