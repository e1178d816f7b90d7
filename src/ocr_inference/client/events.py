"""A task's server-sent events (``GET /api/v1/ocr/results/{id}/events``), read with httpx:
the ``text/event-stream`` parser, and the reconnections with ``Last-Event-ID`` that carry a
stream over a dropped connection or a moment without Redis."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

# the connection failed or was dropped, or the server was slow
_PASSING = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)
EVENT_STREAM = "text/event-stream"
RETRY_S = 2.0  # pause before reconnecting, when the server asked for none


@dataclass(frozen=True)
class ServerEvent:
    """One event: ``event`` (``progress``, ``page``, ``end``, ``error``), its ``id`` and its
    ``data`` (the decoded JSON)."""

    event: str
    id: str | None
    data: Any


def parse(lines: Iterable[str]) -> Iterator[ServerEvent]:
    """The events of a ``text/event-stream`` body, given line by line (without their line
    ends); comments (keep-alives) and unknown fields are skipped."""
    name, event_id = "message", None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield ServerEvent(name, event_id, json.loads("\n".join(data)))
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
        elif field == "id":
            event_id = value


class StreamFailed(Exception):
    """The stream ended with an ``error`` event that reconnecting cannot mend (the task
    was deleted or expired); ``code`` is its code."""

    def __init__(self, code: str, error: str) -> None:
        super().__init__(f"{code}: {error}")
        self.code = code
        self.error = error


def follow(
    open_stream: Callable[[str | None], Iterator[ServerEvent]],
    *,
    last_event_id: str | None,
    deadline: float,
    passing: Callable[[Exception], bool] = lambda _: False,
) -> Iterator[ServerEvent]:
    """The events of the streams ``open_stream(last_event_id)`` opens, until ``end``: after
    a dropped connection, an ``unavailable`` error or an exception that ``passing`` deems
    passing (a 503), it opens the stream again from the last id seen, until ``deadline``
    (``time.monotonic``), so that no page is lost or repeated.

    Raises:
        StreamFailed: an ``error`` event other than ``unavailable``.
        httpx.TransportError: the server stayed unreachable until the deadline.
    """
    while True:
        try:
            for event in open_stream(last_event_id):
                last_event_id = event.id if event.id is not None else last_event_id
                if event.event == "error":
                    if event.data.get("code") != "unavailable":
                        raise StreamFailed(str(event.data.get("code")), str(event.data["error"]))
                    break
                yield event
                if event.event == "end":
                    return
        except Exception as exc:
            if not (isinstance(exc, _PASSING) or passing(exc)):
                raise
            if time.monotonic() + RETRY_S > deadline:
                raise
        if time.monotonic() + RETRY_S > deadline:
            raise TimeoutError("the event stream did not reach its end in time")
        time.sleep(RETRY_S)
