"""The events route against a real Redis-compatible server, with no worker: who may open
a stream, how many at once, and a finished task's events as server-sent events."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ocr_dev.export_sample import sample_result
from ocr_dev.factories import encode, text_image
from ocr_inference.api import create_app
from ocr_inference.api.event_stream import KEEPALIVE
from ocr_inference.api.event_stream import encode as encode_event
from ocr_inference.config import Settings
from ocr_inference.tasks.events import Event

KEYS = {"alice": {"X-API-Key": "alice-key"}, "bob": {"X-API-Key": "bob-key"}}


@pytest.fixture
def client(redis_url: str) -> Iterator[TestClient]:
    settings = Settings(
        redis_url=redis_url, api_keys=["alice-key", "bob-key"], events_max_streams=1
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def submit(client: TestClient, key: str) -> str:
    png = encode(text_image(["hello"]), "PNG")
    answer = client.post("/api/v1/ocr/process", files={"file": ("a.png", png)}, headers=KEYS[key])
    assert answer.status_code == 202, answer.text
    return str(answer.json()["task_id"])


def test_events_are_written_as_server_sent_events() -> None:
    assert encode_event(Event("page", 3, '{"a": 1}')) == b'id: 3\nevent: page\ndata: {"a": 1}\n\n'
    assert encode_event(None) == KEEPALIVE == b": keep-alive\n\n"


def test_unknown_and_other_keys_tasks_are_404(client: TestClient) -> None:
    task_id = submit(client, "alice")
    for url, key in ((f"{task_id}/events", "bob"), ("no-such-id/events", "alice")):
        answer = client.get(f"/api/v1/ocr/results/{url}", headers=KEYS[key])
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert client.get(f"/api/v1/ocr/results/{task_id}/events").status_code == 401


def test_a_key_over_its_streams_gets_429_with_retry_after(client: TestClient) -> None:
    task_id = submit(client, "alice")
    services = client.app.state.services  # type: ignore[attr-defined]
    owner = services.keys.owner_of("alice-key")
    services.store.client.zadd(f"ocr:streams:{owner}", {"another-stream": 2e9})
    answer = client.get(f"/api/v1/ocr/results/{task_id}/events", headers=KEYS["alice"])
    assert (answer.status_code, answer.json()["code"]) == (429, "too_many_streams")
    assert int(answer.headers["Retry-After"]) > 0


def test_a_finished_tasks_pages_then_its_end(client: TestClient) -> None:
    task_id = submit(client, "alice")
    services = client.app.state.services  # type: ignore[attr-defined]
    services.store.finish(task_id, error_code=None, seconds=1.0)
    result = sample_result()
    services.celery.backend.store_result(task_id, result.model_dump(mode="json"), "SUCCESS")
    url = f"/api/v1/ocr/results/{task_id}/events"
    with client.stream("GET", url, headers={**KEYS["alice"], "Last-Event-ID": "1"}) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        assert answer.headers["x-accel-buffering"] == "no"
        body = "".join(answer.iter_text())
    blocks = [block.splitlines() for block in body.strip().split("\n\n")]
    assert [block[:2] for block in blocks] == [["id: 2", "event: page"], ["id: 2", "event: end"]]
    assert '"page_number":2' in blocks[0][2]
    owner = services.keys.owner_of("alice-key")
    assert services.store.client.zcard(f"ocr:streams:{owner}") == 0  # given back
