from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocr_inference.client import ApiError, Client, TaskFailed
from ocr_inference.client import http as client_module

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(handler: Handler, api_key: str | None = None) -> Client:
    return Client("http://ocr.test/", api_key=api_key, transport=httpx.MockTransport(handler))


def status(state: str, result: dict[str, Any] | None = None, **extra: Any) -> httpx.Response:
    body = {"task_id": "t1", "status": state, "result": result, "pending_tasks": 0, **extra}
    return httpx.Response(200, json=body)


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    return slept


def test_submit_sends_the_file_options_and_headers(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"task_id": "t1", "status": "pending", "message": "ok"})

    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.7 bytes")
    with make_client(handler, api_key="k1") as client:
        task_id = client.submit(path, idempotency_key="idem-1", pages="1-3", dpi=300, x=None)
    assert task_id == "t1"
    (request,) = seen
    assert (request.method, request.url.path) == ("POST", "/api/v1/ocr/process")
    assert request.headers["X-API-Key"] == "k1"
    assert request.headers["Idempotency-Key"] == "idem-1"
    body = request.read()
    assert b'filename="scan.pdf"' in body and b"%PDF-1.7 bytes" in body
    assert b'name="pages"\r\n\r\n1-3' in body and b'name="dpi"\r\n\r\n300' in body
    assert b'name="x"' not in body


def test_errors_carry_the_problem_code_and_detail() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": "Unknown or expired task id.", "code": "nf"})

    with make_client(handler) as client, pytest.raises(ApiError) as raised:
        client.status("nope")
    assert (raised.value.status, raised.value.code) == (404, "nf")
    assert raised.value.detail == "Unknown or expired task id."


def test_an_error_without_a_problem_body_still_raises_api_error() -> None:
    with (
        make_client(lambda _: httpx.Response(502, text="bad gateway")) as client,
        pytest.raises(ApiError) as raised,
    ):
        client.delete("t1")
    assert (raised.value.status, raised.value.code, raised.value.detail) == (
        502,
        "http_error",
        "bad gateway",
    )


def test_wait_reports_progress_and_returns_the_result(no_sleep: list[float]) -> None:
    answers = iter(
        [
            status("PENDING"),
            status("STARTED", progress={"pages_done": 1, "pages_total": 2}),
            status("SUCCESS", {"detections": [], "pages": []}),
        ]
    )
    seen: list[str] = []
    with make_client(lambda _: next(answers)) as client:
        result = client.wait(
            "t1", poll_interval=0.5, on_progress=lambda b: seen.append(b["status"])
        )
    assert result == {"detections": [], "pages": []}
    assert seen == ["PENDING", "STARTED", "SUCCESS"]
    assert no_sleep == [0.5, 0.5]


def test_wait_raises_task_failed_with_code_and_error(no_sleep: list[float]) -> None:
    failure = status("FAILURE", {"error": "Cannot parse.", "code": "corrupt_document"})
    with make_client(lambda _: failure) as client, pytest.raises(TaskFailed) as raised:
        client.wait("t1")
    assert (raised.value.code, raised.value.error) == ("corrupt_document", "Cannot parse.")


def test_wait_honours_retry_after_on_503(no_sleep: list[float]) -> None:
    unavailable = httpx.Response(
        503, json={"detail": "Redis down", "code": "unavailable"}, headers={"Retry-After": "5"}
    )
    answers = iter([unavailable, status("SUCCESS", {"ok": True})])
    with make_client(lambda _: next(answers)) as client:
        assert client.wait("t1", timeout=60) == {"ok": True}
    assert no_sleep == [5.0]


def test_wait_gives_up_on_503_beyond_its_timeout(no_sleep: list[float]) -> None:
    unavailable = httpx.Response(
        503, json={"detail": "busy", "code": "unavailable"}, headers={"Retry-After": "30"}
    )
    with make_client(lambda _: unavailable) as client, pytest.raises(ApiError) as raised:
        client.wait("t1", timeout=10)
    assert raised.value.status == 503 and raised.value.retry_after_s == 30
    assert no_sleep == []


def test_wait_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(0, 1000, 7))
    monkeypatch.setattr(client_module.time, "monotonic", lambda: float(next(clock)))
    monkeypatch.setattr(client_module.time, "sleep", lambda _: None)
    with make_client(lambda _: status("STARTED")) as client, pytest.raises(TimeoutError):
        client.wait("t1", timeout=20, poll_interval=1)


def test_export_returns_the_bytes_and_delete_sends_delete() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(200, content=b"# Title\n")

    with make_client(handler) as client:
        assert client.export("t1", "markdown") == b"# Title\n"
        client.export("t1", "chunks", max_chars=400)
        client.delete("t1")
    assert seen == [
        "GET /api/v1/ocr/results/t1/export?format=markdown",
        "GET /api/v1/ocr/results/t1/export?format=chunks&max_chars=400",
        "DELETE /api/v1/ocr/results/t1?",
    ]


def test_status_returns_the_body() -> None:
    with make_client(lambda _: status("PENDING", progress=None)) as client:
        assert client.status("t1")["status"] == "PENDING"


@pytest.mark.parametrize(("header", "slept"), [("nan", 5.0), ("0", 0.5), ("-3", 0.5)])
def test_a_retry_after_of_nothing_or_nonsense_still_pauses(
    no_sleep: list[float], header: str, slept: float
) -> None:
    unavailable = httpx.Response(
        503, json={"detail": "Redis down", "code": "unavailable"}, headers={"Retry-After": header}
    )
    answers = iter([unavailable, status("SUCCESS", {"ok": True})])
    with make_client(lambda _: next(answers)) as client:
        assert client.wait("t1", timeout=60) == {"ok": True}
    assert no_sleep == [slept]


def test_wait_rides_out_a_connection_lost_while_the_api_restarts(no_sleep: list[float]) -> None:
    calls = iter([httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), None])

    def handler(request: httpx.Request) -> httpx.Response:
        error = next(calls)
        if error is not None:
            raise error
        return status("SUCCESS", {"ok": True})

    with make_client(handler) as client:
        assert client.wait("t1", timeout=60) == {"ok": True}
    assert no_sleep == [5.0, 5.0]


def test_wait_raises_the_connection_error_once_its_timeout_would_pass(
    no_sleep: list[float],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with make_client(handler) as client, pytest.raises(httpx.ConnectError):
        client.wait("t1", timeout=3)
    assert no_sleep == []


def test_submit_tries_a_busy_service_again_within_retry_for(
    tmp_path: Path, no_sleep: list[float]
) -> None:
    bodies: list[bytes] = []
    busy = httpx.Response(
        503, json={"detail": "busy", "code": "busy"}, headers={"Retry-After": "30"}
    )
    accepted = httpx.Response(202, json={"task_id": "t1", "status": "pending", "message": "ok"})
    answers = iter([busy, accepted])

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return next(answers)

    path = tmp_path / "scan.png"
    path.write_bytes(b"\x89PNG bytes")
    with make_client(handler) as client:
        assert client.submit(path, retry_for=60) == "t1"
    assert no_sleep == [30.0]
    assert len(bodies) == 2 and all(b"\x89PNG bytes" in body for body in bodies)


def test_submit_does_not_wait_by_default(tmp_path: Path, no_sleep: list[float]) -> None:
    busy = httpx.Response(
        503, json={"detail": "busy", "code": "busy"}, headers={"Retry-After": "1"}
    )
    path = tmp_path / "scan.png"
    path.write_bytes(b"\x89PNG bytes")
    with make_client(lambda _: busy) as client, pytest.raises(ApiError) as raised:
        client.submit(path)
    assert raised.value.code == "busy" and no_sleep == []


def test_task_ids_are_one_path_segment() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return status("PENDING")

    with make_client(handler) as client:
        client.status("../process?x=1")
    assert seen == ["/api/v1/ocr/results/..%2Fprocess%3Fx%3D1"]


def test_wait_fails_at_once_on_a_transport_error_that_cannot_pass(no_sleep: list[float]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.UnsupportedProtocol("no such scheme")

    with make_client(handler) as client, pytest.raises(httpx.UnsupportedProtocol):
        client.wait("t1", timeout=60)
    assert no_sleep == []
