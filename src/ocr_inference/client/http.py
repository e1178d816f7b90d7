"""A synchronous Python client for the service's HTTP API, on httpx.

```python
from ocr_inference.client import Client

with Client("http://localhost:8000", api_key="...") as client:
    task_id = client.submit("scan.pdf", pages="1-3")
    result = client.wait(task_id, timeout=300)
    markdown = client.export(task_id, "markdown")
```

Errors: ``ApiError`` for every 4xx/5xx answer (built from the service's problem body),
``TaskFailed`` when a task ends in FAILURE, ``TimeoutError`` when ``wait`` runs out, and
httpx's ``TransportError`` when the server cannot be reached.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from ocr_inference.client.events import EVENT_STREAM, ServerEvent, follow, parse

_OCR = "/api/v1/ocr"
_ENDED = frozenset({"SUCCESS", "FAILURE"})
# a 503 without a usable Retry-After, or a lost connection, waits this long before the
# next try; no pause is shorter than the minimum, so a Retry-After of 0 cannot spin
_DEFAULT_RETRY_S = 5.0
_MIN_RETRY_S = 0.5
# the connection failed or was dropped, or the server was slow: an API restarting, a
# network hiccup (not a bad URL or a protocol the client cannot speak)
_PASSING = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)

ProgressCallback = Callable[[dict[str, Any]], None]
_T = TypeVar("_T")


class ApiError(Exception):
    """The service answered with an error status; ``code`` is its stable error code and
    ``retry_after_s`` its ``Retry-After`` header in seconds, if any (503 answers)."""

    def __init__(
        self, status: int, code: str, detail: str, retry_after_s: float | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.retry_after_s = retry_after_s

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        retry_after = _retry_after(response)
        if isinstance(body, dict):
            return cls(
                response.status_code,
                str(body.get("code", "http_error")),
                str(body.get("detail", response.reason_phrase)),
                retry_after,
            )
        detail = response.text or response.reason_phrase
        return cls(response.status_code, "http_error", detail, retry_after)


class TaskFailed(Exception):
    """A task ended in FAILURE; ``code`` and ``error`` are those of its result."""

    def __init__(self, task_id: str, code: str, error: str) -> None:
        super().__init__(f"task {task_id} failed: {code}: {error}")
        self.task_id = task_id
        self.code = code
        self.error = error


class Client:
    """The API of one ocr-inference server.

    Args:
        base_url: Where the API answers, such as ``http://localhost:8000``.
        api_key: Sent as ``X-API-Key``; needed when the server has keys configured.
        timeout: Seconds for each HTTP request (not for a whole ``wait``).
        transport: An httpx transport to use instead of the network (tests).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def submit(
        self,
        path: str | Path,
        *,
        idempotency_key: str | None = None,
        retry_for: float = 0.0,
        **options: object,
    ) -> str:
        """Upload the file at ``path`` and return its task id.

        ``options`` are sent as form fields (``pages="1-3"``, ``dpi=300``,
        ``callback_url=...``); those that are None are left out. ``idempotency_key`` is
        sent as the ``Idempotency-Key`` header. A 503 (service busy, Redis unreachable),
        which queues nothing, is tried again after its ``Retry-After`` for up to
        ``retry_for`` seconds.
        """
        path = Path(path)
        data = {name: str(value) for name, value in options.items() if value is not None}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}

        def upload() -> httpx.Response:
            with path.open("rb") as handle:
                return self._request(
                    "POST",
                    f"{_OCR}/process",
                    files={"file": (path.name, handle)},
                    data=data,
                    headers=headers,
                )

        response = _retrying(upload, time.monotonic() + retry_for, transport_errors=False)
        return str(response.json()["task_id"])

    def status(self, task_id: str) -> dict[str, Any]:
        """The task's status: ``status``, ``result``, ``pending_tasks`` and ``progress``."""
        body: dict[str, Any] = self._request("GET", _results(task_id)).json()
        return body

    def wait(
        self,
        task_id: str,
        timeout: float = 600.0,
        poll_interval: float = 1.0,
        on_progress: ProgressCallback | None = None,
    ) -> dict[str, Any]:
        """Poll until the task ends and return its result.

        Args:
            task_id: The id ``submit`` returned.
            timeout: Seconds to wait in all.
            poll_interval: Seconds between two polls.
            on_progress: Called with every status read, the last one included.

        Raises:
            TaskFailed: The task ended in FAILURE.
            TimeoutError: It had not ended after ``timeout`` seconds.
            ApiError: The server refused a poll (a 503 is waited out instead).
            httpx.TransportError: The server stayed unreachable until the timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            body = _retrying(lambda: self.status(task_id), deadline, transport_errors=True)
            if on_progress is not None:
                on_progress(body)
            if body["status"] in _ENDED:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"task {task_id} still {body['status']} after {timeout} s")
            time.sleep(min(poll_interval, remaining))
        result: dict[str, Any] = body["result"] or {}
        if body["status"] == "FAILURE":
            raise TaskFailed(
                task_id, str(result.get("code", "internal_error")), str(result.get("error"))
            )
        return result

    def events(
        self, task_id: str, *, last_event_id: str | None = None, timeout: float = 600.0
    ) -> Iterator[ServerEvent]:
        """The task's events as they come: ``progress``, one ``page`` per page (its
        ``data`` holds the page's ``page``, ``detections``, ``layout``, ``tables`` and
        ``markdown``) and a last ``end`` (``status``, and ``error`` and ``code`` on
        failure). After a dropped connection, an ``unavailable`` error or a 503 (Redis
        unreachable), the stream is opened again from the last event's id, so that no
        page is lost or repeated; ``last_event_id`` resumes an earlier stream.

        Raises:
            ApiError: The server refused the stream (404: unknown task; 429: too many).
            StreamFailed: The task was deleted or expired while it was streamed.
            TimeoutError: The stream had not ended after ``timeout`` seconds.
        """
        url = f"{_results(task_id)}/events"

        def open_stream(last: str | None) -> Iterator[ServerEvent]:
            headers = {"Last-Event-ID": last} if last else {}
            with self._http.stream("GET", url, headers=headers) as response:
                if not response.is_success:
                    response.read()
                    raise ApiError.from_response(response)
                if not response.headers.get("content-type", "").startswith(EVENT_STREAM):
                    raise ApiError(response.status_code, "no_event_stream", "Not an event stream.")
                yield from parse(response.iter_lines())

        deadline = time.monotonic() + timeout
        return follow(
            open_stream,
            last_event_id=last_event_id,
            deadline=deadline,
            passing=lambda exc: isinstance(exc, ApiError) and exc.status == 503,
        )

    def export(self, task_id: str, format: str, *, max_chars: int | None = None) -> bytes:
        """A finished task's result as a file: json, text, markdown, hocr, pdf, alto or chunks
        (of at most ``max_chars`` characters each; the service's default if None)."""
        params: dict[str, str | int] = {"format": format}
        if max_chars is not None:
            params["max_chars"] = max_chars
        response = self._request("GET", f"{_results(task_id)}/export", params=params)
        return response.content

    def delete(self, task_id: str) -> None:
        """Cancel an unfinished task, or delete a finished one's result."""
        self._request("DELETE", _results(task_id))

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, url, **kwargs)
        if response.is_success:
            return response
        raise ApiError.from_response(response)


def _retrying(call: Callable[[], _T], deadline: float, *, transport_errors: bool) -> _T:
    """``call()``, tried again while it fails with a 503 (after its ``Retry-After``) or, with
    ``transport_errors``, loses the connection to the server, as long as the pause ends by
    ``deadline``; then the last error is raised."""
    while True:
        try:
            return call()
        except ApiError as exc:
            if exc.status != 503:
                raise
            error: Exception = exc
            pause = _DEFAULT_RETRY_S if exc.retry_after_s is None else exc.retry_after_s
        except _PASSING as exc:
            if not transport_errors:
                raise
            error, pause = exc, _DEFAULT_RETRY_S
        pause = max(pause, _MIN_RETRY_S)
        if time.monotonic() + pause > deadline:
            raise error
        time.sleep(pause)


def _results(task_id: str) -> str:
    """The results route of ``task_id``, the id quoted as one path segment."""
    segment = quote(task_id, safe="")
    if segment in {".", ".."}:  # a dot segment would be resolved away, not sent
        segment = segment.replace(".", "%2E")
    return f"{_OCR}/results/{segment}"


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds; an HTTP date or nonsense (``nan``) counts as absent."""
    try:
        seconds = float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None
