"""The counters the task store moves as tasks are submitted, processed and ended, and
their reading by ``TaskStore.stats``."""

from __future__ import annotations

import math

import redis

from ocr_inference.tasks.counters import DURATION_BUCKETS
from ocr_inference.tasks.store import TaskStore


def store(url: str, ttl: int = 100) -> TaskStore:
    return TaskStore(redis.Redis.from_url(url), result_ttl_s=ttl, blob_ttl_s=ttl * 2)


def test_counters_count_submissions_and_each_end_once(redis_url: str) -> None:
    tasks = store(redis_url)
    for name in ("ok", "bad", "late", "waiting", "never-queued"):
        tasks.create(name, b"x", filename="a.pdf", doc_type="pdf")
    for name in ("ok", "bad", "late", "waiting"):  # counted once on the queue
        tasks.queued(name)
    tasks.finish("ok", error_code=None)
    tasks.finish("bad", error_code="corrupt_document")
    tasks.finish("bad", error_code="internal_error")  # an errback after the merge failed
    tasks.finish("late", error_code="timeout")
    tasks.forget("late")
    tasks.finish("late", error_code="timeout")  # the record is gone: not counted again
    tasks.finish("never-created", error_code=None)
    stats = tasks.stats(["ocr"])
    assert (stats.submitted, stats.succeeded) == (4, 1)
    assert stats.failed == {"corrupt_document": 1, "timeout": 1}
    assert not tasks.client.exists("ocr:task:never-created")


def test_durations_are_counted_once_in_their_bucket_with_the_success(redis_url: str) -> None:
    tasks = store(redis_url)
    for name in ("fast", "edge", "slow", "failed"):
        tasks.create(name, b"x", filename="a.pdf", doc_type="pdf")
    tasks.finish("fast", error_code=None, seconds=0.2)
    tasks.finish("fast", error_code=None, seconds=0.2)  # ended twice: observed once
    tasks.finish("edge", error_code=None, seconds=2.5)  # a bound belongs to its bucket
    tasks.finish("slow", error_code=None, seconds=5000.0)
    tasks.finish("failed", error_code="timeout")
    durations = tasks.stats(["ocr"]).durations
    assert (durations.count, durations.sum) == (3, 5002.7)
    assert durations.buckets[0.5] == 1 and durations.buckets[1.0] == 1
    assert durations.buckets[2.5] == 2 and durations.buckets[600.0] == 2
    assert durations.buckets[math.inf] == 3
    assert list(durations.buckets) == [*DURATION_BUCKETS, math.inf]


def test_pages_requests_and_workers_are_in_the_stats(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.start_document("d", 3, stale_after_s=60)
    for _ in range(3):
        tasks.page_done("d", stale_after_s=60)
    tasks.count_request("GET", "/api/v1/ocr/results/{task_id}", 404)
    tasks.count_request("GET", "/api/v1/ocr/results/{task_id}", 404)
    tasks.count_request("POST", "/api/v1/ocr/process", 202)
    tasks.heartbeat("w1", models_loaded=True, ttl_s=30)
    tasks.heartbeat("w2", models_loaded=False, ttl_s=30)
    stats = tasks.stats(["ocr"])
    assert (stats.pages, stats.workers) == (3, 2)
    assert stats.requests == {
        ("GET", "/api/v1/ocr/results/{task_id}", "404"): 2,
        ("POST", "/api/v1/ocr/process", "202"): 1,
    }


def test_counts_stored_by_earlier_releases_are_read(redis_url: str) -> None:
    tasks = store(redis_url)
    tasks.client.hset(
        "ocr:counters",
        mapping={"submitted": 9, "succeeded": 5, "failed:timeout": 2, "pages": 40},
    )
    tasks.client.hset(
        "ocr:durations", mapping={"1.0": 2, "60.0": 2, "+Inf": 1, "sum": 1234.5, "count": 5}
    )
    tasks.client.hset("ocr:http_requests", mapping={"GET /api/v1/ocr/results/{task_id} 200": 7})
    stats = tasks.stats(["ocr"])
    assert (stats.submitted, stats.succeeded, stats.failed) == (9, 5, {"timeout": 2})
    assert stats.pages == 40
    assert (stats.durations.count, stats.durations.sum) == (5, 1234.5)
    assert stats.durations.buckets[0.5] == 0 and stats.durations.buckets[1.0] == 2
    assert stats.durations.buckets[60.0] == 4 and stats.durations.buckets[math.inf] == 5
    assert stats.requests == {("GET", "/api/v1/ocr/results/{task_id}", "200"): 7}
