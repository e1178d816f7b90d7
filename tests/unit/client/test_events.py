"""The client's reading of server-sent events, and a stream followed across a dropped
connection and an ``unavailable`` error with ``Last-Event-ID``."""

from __future__ import annotations

import httpx
import pytest

from ocr_inference.client import ApiError, Client, ServerEvent, StreamFailed
from ocr_inference.client import events as events_module
from ocr_inference.client.events import parse


def sse(*events: tuple[str, int, str]) -> str:
    return "".join(f"id: {i}\nevent: {name}\ndata: {data}\n\n" for name, i, data in events)


def stream(body: str) -> httpx.Response:
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


def test_parse_skips_comments_and_joins_data_lines() -> None:
    body = ': keep-alive\n\nid: 1\nevent: page\ndata: {"a":\ndata: 1}\n\nretry: 5\n\n'
    assert list(parse(body.splitlines())) == [ServerEvent("page", "1", {"a": 1})]


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(events_module.time, "sleep", slept.append)
    return slept


def test_a_stream_is_followed_from_the_last_id_until_its_end(no_sleep: list[float]) -> None:
    asked: list[str | None] = []
    answers = [
        sse(("page", 1, '{"n": 1}')),  # the connection drops without an end
        sse(("page", 2, '{"n": 2}'), ("error", 2, '{"error": "down", "code": "unavailable"}')),
        sse(("page", 3, '{"n": 3}'), ("end", 3, '{"status": "SUCCESS"}')),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers.get("Last-Event-ID"))
        assert request.url.path == "/api/v1/ocr/results/t1/events"
        return stream(answers[len(asked) - 1])

    with Client("http://ocr.test", transport=httpx.MockTransport(handler)) as client:
        seen = list(client.events("t1"))
    assert [(e.event, e.id) for e in seen] == [
        ("page", "1"),
        ("page", "2"),
        ("page", "3"),
        ("end", "3"),
    ]
    assert asked == [None, "1", "2"] and len(no_sleep) == 2


def test_refusals_and_a_deleted_task_raise(no_sleep: list[float]) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={"detail": "too many", "code": "too_many_streams"},
            headers={"Retry-After": "5"},
        )

    client = Client("http://ocr.test", transport=httpx.MockTransport(refused))
    with client, pytest.raises(ApiError) as error:
        list(client.events("t1"))
    assert (error.value.status, error.value.code, error.value.retry_after_s) == (
        429,
        "too_many_streams",
        5.0,
    )

    def deleted(request: httpx.Request) -> httpx.Response:
        return stream(sse(("error", 0, '{"error": "gone", "code": "not_found"}')))

    client = Client("http://ocr.test", transport=httpx.MockTransport(deleted))
    with client, pytest.raises(StreamFailed) as failed:
        list(client.events("t1"))
    assert failed.value.code == "not_found"


def test_a_503_while_reconnecting_is_waited_out(no_sleep: list[float]) -> None:
    answers = [
        stream(sse(("page", 1, '{"n": 1}'))),
        httpx.Response(503, json={"detail": "Redis down", "code": "unavailable"}),
        stream(sse(("end", 1, '{"status": "SUCCESS"}'))),
    ]
    asked: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers.get("Last-Event-ID"))
        return answers[len(asked) - 1]

    with Client("http://ocr.test", transport=httpx.MockTransport(handler)) as client:
        seen = [e.event for e in client.events("t1")]
    assert seen == ["page", "end"] and asked == [None, "1", "1"]
