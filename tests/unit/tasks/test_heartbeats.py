"""Worker heartbeats against a real Redis-compatible server."""

from __future__ import annotations

import json
import time

import redis

from ocr_inference.tasks.heartbeats import WorkerIdentity
from ocr_inference.tasks.store import TaskStore

IDENTITY = WorkerIdentity(
    settings_hash="a" * 64, pipeline="PP-StructureV3", profile="PP-StructureV3", engine="openvino"
)


def store(redis_url: str) -> TaskStore:
    return TaskStore(redis.Redis.from_url(redis_url), result_ttl_s=60, blob_ttl_s=120)


def test_a_heartbeat_publishes_the_workers_identity(redis_url: str) -> None:
    tasks = store(redis_url)
    before = time.time()
    tasks.heartbeat("host:2", models_loaded=True, ttl_s=30, identity=IDENTITY)
    tasks.heartbeat("host:1", models_loaded=False, ttl_s=30)
    first, second = tasks.beats()
    assert (first.name, first.models_loaded, first.identity) == ("host:1", False, WorkerIdentity())
    assert (second.name, second.models_loaded, second.identity) == ("host:2", True, IDENTITY)
    assert before <= second.at <= time.time()
    raw = json.loads(tasks.client.get("ocr:worker:host:2") or b"{}")
    assert raw["settings_hash"] == "a" * 64 and raw["engine"] == "openvino"
    assert 0 < tasks.client.ttl("ocr:worker:host:2") <= 30
    assert (tasks.workers().alive, tasks.workers().models_loaded) == (2, True)


def test_a_heartbeat_of_an_older_worker_reads_without_identity(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.client.set("ocr:worker:old:1", json.dumps({"models_loaded": True, "at": 12.5}))
    (beat,) = tasks.beats()
    assert (beat.name, beat.at, beat.models_loaded) == ("old:1", 12.5, True)
    assert beat.identity == WorkerIdentity()


def test_differing_names_other_workers_with_another_or_no_hash(redis_url: str) -> None:
    tasks = store(redis_url)
    other = WorkerIdentity(settings_hash="b" * 64)
    tasks.heartbeat("me:1", models_loaded=True, ttl_s=30, identity=other)  # itself: skipped
    tasks.heartbeat("same:1", models_loaded=True, ttl_s=30, identity=IDENTITY)
    tasks.heartbeat("other:1", models_loaded=True, ttl_s=30, identity=other)
    tasks.heartbeat("old:1", models_loaded=True, ttl_s=30)
    names = [beat.name for beat in tasks.differing("a" * 64, besides="me:1")]
    assert names == ["old:1", "other:1"]
    tasks.forget_worker("other:1")
    tasks.forget_worker("old:1")
    assert tasks.differing("a" * 64, besides="me:1") == []
