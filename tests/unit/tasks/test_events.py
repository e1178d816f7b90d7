"""A task's event stream against a real Redis-compatible server: pages from those kept
while the task runs, then from the result, each once and in one order whatever the
Last-Event-ID; its end; Redis lost mid-stream; the leases that cap streams per key."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
import redis
import redis.asyncio as aioredis

from ocr_dev.export_sample import sample_result
from ocr_inference.errors import TooManyStreams
from ocr_inference.local.launcher import free_port
from ocr_inference.local.redis_server import EmbeddedRedis
from ocr_inference.schemas import DocumentResult, ErrorResult, TaskStatus
from ocr_inference.tasks.events import (
    MAX_EVENT_ID,
    Event,
    EventReader,
    StreamLeases,
    StreamTimes,
    page_of,
    parse_last_event_id,
    task_events,
)
from ocr_inference.tasks.store import TaskStore

TIMES = StreamTimes(poll_s=0.01, keepalive_s=3600, check_s=3600)
_T = TypeVar("_T")


def run(make: Callable[[aioredis.Redis], Awaitable[_T]], url: str) -> _T:
    async def main() -> _T:
        client = aioredis.Redis.from_url(url)
        try:
            return await make(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


@pytest.fixture
def store(redis_url: str) -> TaskStore:
    return TaskStore(redis.Redis.from_url(redis_url), result_ttl_s=60, blob_ttl_s=120)


def running(store: TaskStore, task_id: str, pages: int) -> None:
    store.create(task_id, b"data", filename="a.pdf", doc_type="pdf")
    store.start_document(task_id, pages, stale_after_s=60)


def status(state: str, result: DocumentResult | ErrorResult | None = None) -> TaskStatus:
    return TaskStatus(task_id="t", status=state, result=result, pending_tasks=0)  # type: ignore[arg-type]


def final_after(statuses: list[TaskStatus]) -> Callable[[], Awaitable[TaskStatus]]:
    """Reads ``statuses`` one by one, the last one for ever."""

    async def final() -> TaskStatus:
        return statuses.pop(0) if len(statuses) > 1 else statuses[0]

    return final


async def collect(events: AsyncIterator[Event | None], until: str = "end") -> list[Event]:
    seen: list[Event] = []
    async for event in events:
        if event is not None:
            seen.append(event)
            if event.name == until:
                break
    return seen


def pages(events: list[Event]) -> list[int]:
    return [json.loads(e.data)["page"]["page_number"] for e in events if e.name == "page"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 0), ("", 0), ("3", 3), (" 7 ", 7), ("-1", 0), ("x", 0), ("1.5", 0), ("٣", 0)],
)
def test_last_event_id_is_a_count_or_ignored(value: str | None, expected: int) -> None:
    assert parse_last_event_id(value) == expected


def test_a_huge_last_event_id_is_ignored() -> None:
    assert parse_last_event_id(str(MAX_EVENT_ID)) == MAX_EVENT_ID
    assert parse_last_event_id("9" * 5000) == 0


def test_pages_kept_while_running_then_the_rest_from_the_result(
    store: TaskStore, redis_url: str
) -> None:
    result = sample_result()
    running(store, "t", 2)
    page_two = page_of(result, 2).model_dump_json().encode()
    assert store.keep_page("t", 2, page_two, max_bytes=1 << 20)
    store.page_done("t", stale_after_s=60)

    async def stream(client: aioredis.Redis) -> list[Event]:
        events = task_events(EventReader(client), "t", final_after([status("STARTED")]), 0, TIMES)
        first = await collect(events, until="page")
        second = await anext(events)  # the progress read in the same look
        store.finish("t", error_code=None, seconds=1.0)  # page 1 never kept
        rest = await collect(_with_final(client, status("SUCCESS", result), 1))
        return [*first, second, *rest]  # type: ignore[list-item]

    events = run(stream, redis_url)
    assert [(e.name, e.id) for e in events] == [
        ("page", 1),
        ("progress", 1),
        ("page", 2),
        ("end", 2),
    ]
    assert pages(events) == [2, 1]  # the order the stream began with, then the result's
    assert json.loads(events[1].data) == {"pages_done": 1, "pages_total": 2}
    assert json.loads(events[-1].data) == {"status": "SUCCESS", "error": None, "code": None}
    assert json.loads(events[2].data) == json.loads(page_of(result, 1).model_dump_json())


def _with_final(
    client: aioredis.Redis, final: TaskStatus, start: int
) -> AsyncIterator[Event | None]:
    return task_events(EventReader(client), "t", final_after([final]), start, TIMES)


def test_after_the_end_every_last_event_id_gives_the_same_order(
    store: TaskStore, redis_url: str
) -> None:
    result = sample_result()
    running(store, "t", 2)
    store.keep_page("t", 2, page_of(result, 2).model_dump_json().encode(), max_bytes=1 << 20)
    store.finish("t", error_code=None, seconds=1.0)
    done = status("SUCCESS", result)
    whole = run(lambda c: collect(_with_final(c, done, 0)), redis_url)
    resumed = run(lambda c: collect(_with_final(c, done, 1)), redis_url)
    past_the_end = run(lambda c: collect(_with_final(c, done, 5)), redis_url)
    assert pages(whole) == [2, 1] and pages(resumed) == [1]
    assert [e.id for e in whole] == [1, 2, 2] and [e.id for e in resumed] == [2, 2]
    assert [(e.name, e.id) for e in past_the_end] == [("end", 5)]


def test_a_page_is_kept_once_and_only_while_the_document_runs(store: TaskStore) -> None:
    running(store, "t", 3)
    assert store.keep_page("t", 1, b'{"first": 1}', max_bytes=100)
    assert not store.keep_page("t", 1, b'{"again": 1}', max_bytes=100)  # done again
    assert not store.keep_page("t", 2, b"x" * 100, max_bytes=100)  # over the bound
    assert store.keep_page("t", 3, b"{}", max_bytes=100)
    assert store.page_order("t") == [1, 3]
    assert store.client.hget("ocr:page:t", "1") == b'{"first": 1}'
    store.finish("t", error_code=None)
    assert not store.keep_page("t", 2, b"{}", max_bytes=100)  # ended: the list is final
    assert store.page_order("t") == [1, 3] and not store.client.exists("ocr:page:t")
    assert 0 < store.client.ttl("ocr:pages:t") <= 60


def test_a_failed_or_cancelled_task_ends_with_its_code(store: TaskStore, redis_url: str) -> None:
    running(store, "t", 3)
    store.cancel("t")
    cancelled = status("FAILURE", ErrorResult(error="Cancelled.", code="cancelled"))
    events = run(lambda c: collect(_with_final(c, cancelled, 0)), redis_url)
    assert [(e.name, json.loads(e.data)) for e in events] == [
        ("end", {"status": "FAILURE", "error": "Cancelled.", "code": "cancelled"})
    ]


def test_a_task_deleted_meanwhile_ends_the_stream_with_not_found(redis_url: str) -> None:
    events = run(lambda c: collect(_with_final(c, status("PENDING"), 0), until="error"), redis_url)
    assert [(e.name, json.loads(e.data)["code"]) for e in events] == [("error", "not_found")]


def test_keep_alives_come_while_nothing_happens(store: TaskStore, redis_url: str) -> None:
    running(store, "t", 1)
    times = StreamTimes(poll_s=0.01, keepalive_s=0.05, check_s=3600)

    async def first_two(client: aioredis.Redis) -> list[Event | None]:
        events = task_events(EventReader(client), "t", final_after([status("STARTED")]), 0, times)
        seen = [await anext(events), await anext(events)]
        await events.aclose()  # type: ignore[attr-defined]
        return seen

    progress, keepalive = run(first_two, redis_url)
    assert progress is not None and progress.name == "progress" and keepalive is None


def test_redis_lost_mid_stream_ends_it_with_unavailable(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path, port=free_port())
    with server:
        store = TaskStore(redis.Redis.from_url(server.url), result_ttl_s=60, blob_ttl_s=120)
        running(store, "t", 2)

        async def stream(client: aioredis.Redis) -> list[Event]:
            events = task_events(
                EventReader(client), "t", final_after([status("STARTED")]), 0, TIMES
            )
            first = await anext(events)
            server.stop()
            return [first, *await collect(events, until="error")]  # type: ignore[list-item]

        events = run(stream, server.url)
    assert [e.name for e in events] == ["progress", "error"]
    assert json.loads(events[-1].data)["code"] == "unavailable"


def test_streams_per_key_are_capped_and_given_back(redis_url: str) -> None:
    async def leases(client: aioredis.Redis) -> tuple[int, int, int]:
        leases = StreamLeases(client, cap=2, lease_s=60)
        await leases.open("alice", "a1")
        await leases.open("alice", "a2")
        with pytest.raises(TooManyStreams):
            await leases.open("alice", "a3")
        await leases.open("bob", "b1")  # another key has its own streams
        full = await leases.count("alice")
        await leases.close("alice", "a1")
        await leases.open("alice", "a3")
        await leases.renew("alice", "a3")
        # a lease that ran out (its API process died) no longer counts
        await client.zadd("ocr:streams:alice", {"a2": 0})
        return full, await leases.count("alice"), await leases.count(None)

    assert run(leases, redis_url) == (2, 1, 0)
