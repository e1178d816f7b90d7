"""Queue positions from the counters of documents queued and taken, on a real server."""

from __future__ import annotations

import redis

from ocr_inference.tasks.store import TaskStore


def make_store(url: str) -> TaskStore:
    return TaskStore(redis.Redis.from_url(url), result_ttl_s=60, blob_ttl_s=120)


def submitted(store: TaskStore, task_id: str) -> None:
    store.create(task_id, b"data", filename="a.png", doc_type="png")
    store.queued(task_id)


def test_the_position_falls_as_the_documents_ahead_are_taken(redis_url: str) -> None:
    store = make_store(redis_url)
    for task_id in ("a", "b", "c"):
        submitted(store, task_id)
    assert [store.queue_position(t) for t in ("a", "b", "c")] == [0, 1, 2]
    store.take("a")
    assert [store.queue_position(t) for t in ("a", "b", "c")] == [0, 0, 1]
    store.take("a")  # delivered again after a worker died: counted once
    assert store.queue_position("c") == 1
    store.take("b")
    assert store.queue_position("c") == 0


def test_taken_out_of_order_the_position_is_an_estimate_never_below_zero(
    redis_url: str,
) -> None:
    store = make_store(redis_url)
    for task_id in ("a", "b", "c"):
        submitted(store, task_id)
    store.take("c")  # a priority jumped the queue
    store.take("b")
    assert store.queue_position("a") == 0
    assert store.queue_position("c") == 0


def test_no_position_without_a_number_and_no_record_made_by_a_take(redis_url: str) -> None:
    store = make_store(redis_url)
    store.create("sending", b"data", filename="a.png", doc_type="png")
    assert store.queue_position("sending") is None  # not on the queue yet
    store.take("gone")  # its record expired: its message left the queue all the same
    assert not store.client.exists("ocr:task:gone")
    assert store.client.hget("ocr:sequence", "taken") == b"1"
