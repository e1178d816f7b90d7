"""Every way a task can fail maps to a stable public code."""

from __future__ import annotations

import pytest
from billiard.exceptions import WorkerLostError
from celery.exceptions import ChordError, TimeLimitExceeded

from ocr_inference.errors import CorruptDocument
from ocr_inference.tasks.failures import error_result


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (CorruptDocument("Page 3 cannot be read."), "corrupt_document"),
        (WorkerLostError("killed"), "worker_lost"),
        (TimeLimitExceeded(300), "timeout"),
        (ChordError("Dependency 1f raised TimeLimitExceeded(300,)"), "timeout"),
        (ChordError("Dependency 1f raised WorkerLostError('Worker exited')"), "worker_lost"),
        (ChordError("Dependency 1f raised KeyError('x')"), "internal_error"),
        (ValueError("boom"), "internal_error"),
    ],
)
def test_every_failure_has_a_stable_code(exc: BaseException, code: str) -> None:
    result = error_result(exc)
    assert result.code == code and result.error
