"""The service's counters, the figures /metrics reads besides those of the task store.

They live in Redis, so every API process reports the same and they outlive restarts. The
task store (``ocr_inference.tasks.store``) counts submissions, pages and ends in the same
round trips as its own writes, and joins these counts to its own figures in ``Stats``.

Their keys (``ocr:counters``, ``ocr:durations``, ``ocr:http_requests``) are described in
``ocr_inference.tasks.keys``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import redis
from redis.client import Pipeline

from ocr_inference.tasks.keys import key

_COUNTERS = key("counters")
_DURATIONS = key("durations")
_REQUESTS = key("http_requests")
# a task that ends twice (a split document's merge and its errback) is counted once;
# ARGV[2], when not empty, is the duration bucket to count and ARGV[3] the seconds
_COUNT_END = """
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HSETNX', KEYS[1], 'ended', ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  if ARGV[2] ~= '' then
    redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
    redis.call('HINCRBYFLOAT', KEYS[3], 'sum', ARGV[3])
    redis.call('HINCRBY', KEYS[3], 'count', 1)
  end
end
"""
_SUBMITTED = "submitted"
_SUCCEEDED = "succeeded"
_FAILED = "failed:"
_PAGES = "pages"
# upper bounds in seconds of the task-duration histogram's buckets (+Inf comes after them)
DURATION_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
_INF = "+Inf"


@dataclass(frozen=True)
class Histogram:
    """Observations counted in buckets: ``buckets`` maps each upper bound (the last one
    ``inf``) to the observations at most that large, cumulative as Prometheus has it."""

    buckets: dict[float, int]
    sum: float
    count: int


RequestKey = tuple[str, str, str]  # method, route template, status


@dataclass(frozen=True)
class Stats:
    """What /metrics reports, read from Redis in one round trip (and a scan of the worker
    heartbeats)."""

    queued: dict[str, int]  # messages waiting in each queue
    running: int  # documents being processed
    held_bytes: int
    submitted: int
    succeeded: int
    failed: dict[str, int]  # by error code
    pages: int = 0  # pages processed
    workers: int = 0  # worker processes whose heartbeat is alive
    durations: Histogram = field(
        default_factory=lambda: Histogram(dict.fromkeys((*DURATION_BUCKETS, math.inf), 0), 0.0, 0)
    )
    requests: dict[RequestKey, int] = field(default_factory=dict)


def count_submission(pipe: Pipeline) -> None:
    """Queue the count of one submission on ``pipe``."""
    pipe.hincrby(_COUNTERS, _SUBMITTED, 1)


def count_page(pipe: Pipeline) -> None:
    """Queue the count of one page processed on ``pipe``."""
    pipe.hincrby(_COUNTERS, _PAGES, 1)


def count_end(
    client: redis.Redis, record: str, *, error_code: str | None, seconds: float | None
) -> None:
    """Count the end of the task whose record is the hash ``record``, once however often
    it ends and only while the record exists: as succeeded (``error_code`` None) or failed
    with ``error_code``; ``seconds``, its processing time when known, goes into the
    duration histogram with that count."""
    outcome = _SUCCEEDED if error_code is None else _FAILED + error_code
    bucket = "" if seconds is None else _bucket(seconds)
    seconds_arg = repr(float(seconds or 0.0))
    client.eval(_COUNT_END, 3, record, _COUNTERS, _DURATIONS, outcome, bucket, seconds_arg)


def count_request(client: redis.Redis, method: str, route: str, status: int) -> None:
    """Count one API request to ``route`` (its template, such as
    ``/api/v1/ocr/results/{task_id}``), answered with ``status``."""
    client.hincrby(_REQUESTS, f"{method} {route} {status}", 1)


def read(pipe: Pipeline) -> None:
    """Queue on ``pipe`` the three reads whose replies, in order, ``stats`` takes."""
    pipe.hgetall(_COUNTERS)
    pipe.hgetall(_DURATIONS)
    pipe.hgetall(_REQUESTS)


def stats(
    raw_counters: dict[bytes, bytes],
    raw_durations: dict[bytes, bytes],
    raw_requests: dict[bytes, bytes],
    *,
    queued: dict[str, int],
    running: int,
    held_bytes: int,
    workers: int,
) -> Stats:
    """The counts of the replies to ``read``, with the task store's figures."""
    counters = {name.decode(): int(value) for name, value in raw_counters.items()}
    return Stats(
        queued=queued,
        running=running,
        held_bytes=held_bytes,
        submitted=counters.get(_SUBMITTED, 0),
        succeeded=counters.get(_SUCCEEDED, 0),
        failed={
            field.removeprefix(_FAILED): count
            for field, count in sorted(counters.items())
            if field.startswith(_FAILED)
        },
        pages=counters.get(_PAGES, 0),
        workers=workers,
        durations=_histogram({k.decode(): v.decode() for k, v in raw_durations.items()}),
        requests=_requests(raw_requests),
    )


def _bucket(seconds: float) -> str:
    """The field of the smallest bucket that holds ``seconds``."""
    return next((repr(bound) for bound in DURATION_BUCKETS if seconds <= bound), _INF)


def _histogram(raw: dict[str, str]) -> Histogram:
    buckets: dict[float, int] = {}
    total = 0
    for bound in (*DURATION_BUCKETS, math.inf):
        total += int(raw.get(_INF if bound == math.inf else repr(bound), 0))
        buckets[bound] = total
    return Histogram(buckets, float(raw.get("sum", 0.0)), int(raw.get("count", 0)))


def _requests(raw: dict[bytes, bytes]) -> dict[RequestKey, int]:
    counts: dict[RequestKey, int] = {}
    for name, value in raw.items():
        method, _, rest = name.decode().partition(" ")
        route, _, status = rest.rpartition(" ")
        counts[(method, route, status)] = int(value)
    return dict(sorted(counts.items()))
