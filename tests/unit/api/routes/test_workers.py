"""GET /api/v1/workers against a real Redis-compatible server: the live workers, their
settings hash and whether it is the API's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import redis
from fastapi.testclient import TestClient

from ocr_inference.api import create_app
from ocr_inference.config import Settings
from ocr_inference.tasks.heartbeats import WorkerIdentity
from ocr_inference.tasks.store import TaskStore

KEY = "workers-key-9a2c"


@pytest.fixture
def store(redis_url: str) -> Iterator[TaskStore]:
    tasks = TaskStore(redis.Redis.from_url(redis_url), result_ttl_s=60, blob_ttl_s=60)
    yield tasks
    tasks.client.close()


def identity(settings_hash: str) -> WorkerIdentity:
    return WorkerIdentity(settings_hash, "PP-StructureV3", "PP-StructureV3", "openvino")


def test_lists_each_worker_with_its_hash_and_whether_it_matches(
    redis_url: str, store: TaskStore
) -> None:
    settings = Settings(redis_url=redis_url)
    store.heartbeat("a:1", models_loaded=True, ttl_s=30, identity=identity(settings.settings_hash))
    store.heartbeat("b:1", models_loaded=False, ttl_s=30, identity=identity("f" * 64))
    store.heartbeat("c:1", models_loaded=False, ttl_s=30)  # an older worker: no hash
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/workers")
    assert response.status_code == 200
    body = response.json()
    assert (body["settings_hash"], body["mismatched"]) == (settings.settings_hash, 2)
    first, second, third = body["workers"]
    assert {k: v for k, v in first.items() if k != "last_heartbeat"} == {
        "name": "a:1",
        "pipeline": "PP-StructureV3",
        "profile": "PP-StructureV3",
        "engine": "openvino",
        "models_loaded": True,
        "settings_hash": settings.settings_hash,
        "settings_match": True,
    }
    assert datetime.fromisoformat(first["last_heartbeat"]).tzinfo is not None
    assert (second["name"], second["settings_hash"], second["settings_match"]) == (
        "b:1",
        "f" * 64,
        False,
    )
    assert (third["settings_hash"], third["settings_match"], third["engine"]) == (
        None,
        False,
        None,
    )


def test_a_changed_setting_of_the_api_marks_the_workers_mismatched(
    redis_url: str, store: TaskStore
) -> None:
    worker = Settings(redis_url=redis_url)
    store.heartbeat("a:1", models_loaded=True, ttl_s=30, identity=identity(worker.settings_hash))
    with TestClient(create_app(Settings(redis_url=redis_url, pages_per_task=8))) as client:
        body = client.get("/api/v1/workers").json()
    assert (body["mismatched"], body["workers"][0]["settings_match"]) == (1, False)


def test_no_workers_is_an_empty_list(redis_url: str) -> None:
    with TestClient(create_app(Settings(redis_url=redis_url))) as client:
        body = client.get("/api/v1/workers").json()
    assert (body["workers"], body["mismatched"]) == ([], 0)


def test_needs_a_key_when_keys_are_set(redis_url: str, store: TaskStore) -> None:
    store.heartbeat("a:1", models_loaded=True, ttl_s=30)
    with TestClient(create_app(Settings(redis_url=redis_url, api_keys=KEY))) as client:
        missing = client.get("/api/v1/workers")
        wrong = client.get("/api/v1/workers", headers={"X-API-Key": "nope"})
        right = client.get("/api/v1/workers", headers={"X-API-Key": KEY})
        health = client.get("/health").json()
    assert (missing.status_code, missing.json()["code"]) == (401, "unauthorized")
    assert wrong.status_code == 401
    assert right.status_code == 200 and [w["name"] for w in right.json()["workers"]] == ["a:1"]
    assert set(health) == {"status", "redis", "workers", "models_loaded"}  # no worker names


def test_redis_down_is_503() -> None:
    with TestClient(create_app(Settings(redis_url="redis://127.0.0.1:1/0"))) as client:
        response = client.get("/api/v1/workers")
    assert (response.status_code, response.json()["code"]) == (503, "unavailable")
    assert response.headers["retry-after"] == "5"
