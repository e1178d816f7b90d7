"""/health, /health/live and /health/ready against a real Redis-compatible server, and
against a closed port for Redis down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from ocr_inference.api import create_app
from ocr_inference.config import Settings
from ocr_inference.tasks.store import TaskStore

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def client(redis_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(redis_url=redis_url))) as test_client:
        yield test_client


@pytest.fixture
def down() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(redis_url=DOWN))) as test_client:
        yield test_client


def test_live_answers_without_redis(down: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_redis(*args: object, **kwargs: object) -> None:
        raise AssertionError("/health/live called Redis")

    monkeypatch.setattr(redis.Redis, "execute_command", no_redis)
    response = down.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_is_200_with_redis_and_reports_workers_without_needing_them(
    client: TestClient, redis_url: str
) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "redis": "ok", "workers": 0, "models_loaded": False}
    store = TaskStore(redis.Redis.from_url(redis_url), result_ttl_s=60, blob_ttl_s=60)
    store.heartbeat("host:1", models_loaded=True, ttl_s=30)
    assert client.get("/health/ready").json()["workers"] == 1
    client.get("/health/live")
    counted = store.client.hkeys("ocr:http_requests")
    assert not [route for route in counted if b"/health/" in route]  # probes are not counted


def test_ready_is_503_unavailable_with_retry_after_when_redis_is_down(down: TestClient) -> None:
    response = down.get("/health/ready")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "unavailable"


def test_health_keeps_its_shape_and_answers(client: TestClient, down: TestClient) -> None:
    ok = client.get("/health")
    assert ok.status_code == 200
    assert ok.json() == {"status": "ok", "redis": "ok", "workers": 0, "models_loaded": False}
    failed = down.get("/health")
    assert (failed.status_code, failed.headers["retry-after"]) == (503, "5")
    assert failed.json() == {
        "status": "unavailable",
        "redis": "unreachable",
        "workers": 0,
        "models_loaded": False,
    }


def test_the_probes_need_no_key(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, api_keys="k-1")
    with TestClient(create_app(settings)) as keyed:
        for path in ("/health", "/health/live", "/health/ready"):
            assert keyed.get(path).status_code == 200, path
