"""One exception tree for everything that can go wrong with a document or the service.

```
OCRError                       code               HTTP
├── InputError                                     (refused at upload, or FAILURE in the worker)
│   ├── EmptyFile              empty_file         400
│   ├── UnsupportedType        unsupported_type   415
│   ├── UploadTooLarge         too_large          413
│   ├── CorruptDocument        corrupt_document   422
│   ├── EncryptedDocument      encrypted_document 422
│   ├── TooManyPixels          too_many_pixels    422
│   ├── TooManyPages           too_many_pages     422
│   └── InvalidPages           invalid_pages      422  (``pages`` names a page the file lacks)
├── TaskError                                      (only ever a FAILURE result)
│   ├── WorkerLost             worker_lost        500
│   ├── TaskTimeout            timeout            504
│   ├── UploadMissing          upload_missing     410
│   └── TaskCancelled          cancelled          409
├── RequestError                                   (refused by the API before any task exists)
│   ├── InvalidRequest         invalid_request    422  (a form field or query is out of range)
│   ├── NotFound               not_found          404  (unknown, expired or another key's task;
│   │                                                    a page not in the result)
│   └── ResultNotReady         not_ready          409  (a download of a task without a result)
├── Unauthorized               unauthorized       401  (API keys are on; no valid X-API-Key)
├── IdempotencyConflict        idempotency_conflict 422 (an Idempotency-Key reused for another file)
├── TooManyStreams             too_many_streams   429  (event streams per API key; Retry-After)
├── ServiceUnavailable         unavailable        503  (Redis or the queue unreachable; Retry-After)
│   └── ServiceBusy            busy               503  (too many documents or bytes waiting)
└── ConfigurationError         configuration      500  (start-up: bad setting, model, no CUDA)
    └── ModelError             model_error        500
```

Each class carries a stable machine ``code`` (part of the public contract, listed in
docs/api.md) and the HTTP status the API uses when it refuses a request for that reason;
the API maps them to responses in one place (``ocr_inference.api.app``). The constructor
takes only the message so that Celery can rebuild the exception from its JSON form on the
API side.
"""

from __future__ import annotations


class OCRError(Exception):
    """Base of every error this service reports."""

    code: str = "internal_error"
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class InputError(OCRError):
    """The submitted file cannot be processed."""

    http_status = 422


class EmptyFile(InputError):
    code = "empty_file"
    http_status = 400


class UnsupportedType(InputError):
    code = "unsupported_type"
    http_status = 415


class UploadTooLarge(InputError):
    code = "too_large"
    http_status = 413


class CorruptDocument(InputError):
    code = "corrupt_document"


class EncryptedDocument(InputError):
    code = "encrypted_document"


class TooManyPixels(InputError):
    code = "too_many_pixels"


class TooManyPages(InputError):
    code = "too_many_pages"


class InvalidPages(InputError):
    code = "invalid_pages"


class TaskError(OCRError):
    """The task could not complete for a reason outside the document's content."""


class WorkerLost(TaskError):
    code = "worker_lost"

    @classmethod
    def after(cls, deaths: int | None = None) -> WorkerLost:
        """The error of a document whose worker processes died ``deaths`` times (however
        many, when unknown)."""
        times = f"{deaths} times" if deaths else "repeatedly"
        return cls(f"Worker processes died {times} while processing this document.")


class TaskTimeout(TaskError):
    code = "timeout"
    http_status = 504

    @classmethod
    def after(cls, limit_s: int | None = None) -> TaskTimeout:
        """The error of a document that ran past the time limit (``limit_s``, if known)."""
        limit = f" of {limit_s} s" if limit_s else ""
        return cls(f"Processing exceeded the task time limit{limit}.")


class UploadMissing(TaskError):
    code = "upload_missing"
    http_status = 410


class TaskCancelled(TaskError):
    code = "cancelled"
    http_status = 409
    MESSAGE = "The task was cancelled."


class Unauthorized(OCRError):
    """A request to an endpoint that needs an API key came without a valid one."""

    code = "unauthorized"
    http_status = 401
    www_authenticate = 'ApiKey header="X-API-Key"'


class RequestError(OCRError):
    """A request the API refuses before any task exists for it."""

    http_status = 400


class InvalidRequest(RequestError):
    """A form field or query parameter with a value the service cannot use."""

    code = "invalid_request"
    http_status = 422

    @classmethod
    def field(cls, name: str, reason: str) -> InvalidRequest:
        """The error of the form field ``name``, worded as FastAPI's own checks are."""
        return cls(f"Invalid request: body.{name}: {reason}")


class NotFound(RequestError):
    """An unknown or expired task id (or, alike, another API key's), or a page that the
    task's result does not have."""

    code = "not_found"
    http_status = 404


class ResultNotReady(RequestError):
    """The task has not succeeded (yet), so it has nothing to derive a download from."""

    code = "not_ready"
    http_status = 409


class IdempotencyConflict(OCRError):
    """An ``Idempotency-Key`` already used, with the same API key, for a different file."""

    code = "idempotency_conflict"
    http_status = 422


# seconds a client is asked to wait (Retry-After) before trying a service that is down
RETRY_AFTER_S = 5


class TooManyStreams(OCRError):
    """The API key has as many result event streams open as ``OCR_EVENTS_MAX_STREAMS``."""

    code = "too_many_streams"
    http_status = 429
    retry_after_s = RETRY_AFTER_S


class ServiceUnavailable(OCRError):
    code = "unavailable"
    http_status = 503
    retry_after_s = RETRY_AFTER_S


class ServiceBusy(ServiceUnavailable):
    """More documents or upload bytes wait than the service is configured to hold."""

    code = "busy"
    retry_after_s = 30


class ConfigurationError(OCRError):
    """A setting, model file or device makes start-up impossible."""

    code = "configuration"


class ModelError(ConfigurationError):
    code = "model_error"


def error_classes() -> list[type[OCRError]]:
    """``OCRError`` and every class below it, parents before their subclasses."""
    found: list[type[OCRError]] = []
    pending: list[type[OCRError]] = [OCRError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def error_from_code(code: str, message: str) -> OCRError:
    """The exception of the class whose ``code`` is ``code`` (an ``OCRError`` if none)."""
    for cls in error_classes():
        if cls.code == code:
            return cls(message)
    return OCRError(message)
