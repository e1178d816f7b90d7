"""The sweep that queues again a task whose message was lost, against a real
Redis-compatible server, kombu's real queue layout and no worker: a message is lost by
taking it off the queue by hand, as a worker killed between kombu's two steps leaves it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from kombu import Connection

from ocr_inference.config import Settings
from ocr_inference.tasks.broker import UNACKED_KEY, queue_lists
from ocr_inference.tasks.keys import key
from ocr_inference.tasks.queue import QUEUE
from ocr_inference.tasks.recovery import MAX_RESENDS, Swept, sweep
from ocr_inference.tasks.service import TaskService
from ocr_inference.tasks.submission import STALLED_AFTER_S, queue_task


@pytest.fixture
def services(redis_url: str) -> Iterator[TaskService]:
    service = TaskService.from_settings(Settings(redis_url=redis_url))
    yield service
    service.close()


def submit(services: TaskService, task_id: str, *, queued: bool = True) -> None:
    services.store.create(task_id, b"%PDF-1.4 stand-in", filename="a.pdf", doc_type="pdf")
    if queued:
        queue_task(services, task_id)


def messages(services: TaskService) -> int:
    return sum(int(services.store.client.llen(name)) for name in queue_lists(QUEUE))


def lose_messages(services: TaskService) -> None:
    for name in queue_lists(QUEUE):
        services.store.client.delete(name)


def run(services: TaskService, *, after_s: float) -> Swept:
    """One sweep, ``after_s`` after now, as the sweep whose turn it is."""
    services.store.client.delete(key("sweep"))
    swept = sweep(services, holder="test", now=time.time() + after_s)
    assert swept is not None
    return swept


def late(services: TaskService) -> float:
    return services.settings.visibility_timeout_s + 1.0


def test_a_lost_message_is_queued_again_on_the_second_sweep_that_misses_it(
    services: TaskService,
) -> None:
    submit(services, "lost")
    lose_messages(services)
    assert run(services, after_s=late(services)) == Swept()  # seen missing once
    assert run(services, after_s=late(services)) == Swept(lost=["lost"])
    assert messages(services) == 1
    counters = services.store.client.hgetall(key("counters"))
    assert counters[b"submitted"] == b"1"  # counted once, when it was first queued
    assert run(services, after_s=late(services)) == Swept()  # its message is back


def test_nothing_is_queued_again_before_a_visibility_timeout(services: TaskService) -> None:
    submit(services, "young")
    lose_messages(services)
    for _ in range(3):
        assert run(services, after_s=1.0) == Swept()
    assert messages(services) == 0


def test_a_message_that_waits_or_was_taken_unacknowledged_is_left_alone(
    services: TaskService, redis_url: str
) -> None:
    submit(services, "waiting")
    submit(services, "taken")
    with Connection(redis_url) as connection:
        queue = connection.SimpleQueue(QUEUE)
        taken = queue.get(timeout=5)  # one taken by a live consumer, not acknowledged
        client = services.store.client
        assert client.hlen(UNACKED_KEY) == 1 and messages(services) == 1
        for _ in range(3):
            assert run(services, after_s=late(services)) == Swept()
        assert client.hlen(UNACKED_KEY) == 1 and messages(services) == 1
        taken.ack()  # (or kombu puts it back on close, on a connection it leaves open)
        queue.close()


def test_a_task_that_did_a_page_lately_or_ended_is_left_alone(services: TaskService) -> None:
    submit(services, "running")
    submit(services, "ended")
    lose_messages(services)
    stale_after_s = 10 * services.settings.visibility_timeout_s  # still running then
    services.store.start_document("running", 4, stale_after_s=stale_after_s)
    services.store.finish("ended", error_code=None)
    for _ in range(3):
        assert run(services, after_s=late(services)) == Swept()
    assert messages(services) == 0


def test_a_received_task_whose_pages_stopped_and_whose_messages_are_gone_is_queued_again(
    services: TaskService,
) -> None:
    """A split document whose range (or merge) message was lost: it did pages once, then
    none for a visibility timeout, and no message names it."""
    submit(services, "split")
    lose_messages(services)
    services.store.count_attempt("split")
    services.store.start_document("split", 4, stale_after_s=1)
    services.store.page_done("split", stale_after_s=1)
    assert run(services, after_s=late(services)) == Swept()
    assert run(services, after_s=late(services)) == Swept(lost=["split"])
    assert messages(services) == 1


def test_a_message_lost_again_is_queued_again_at_most_max_resends_times(
    services: TaskService,
) -> None:
    submit(services, "unlucky")
    resent = 0
    for _ in range(2 * MAX_RESENDS + 4):
        lose_messages(services)
        resent += len(run(services, after_s=late(services)).lost)
    assert resent == MAX_RESENDS
    resends = services.store.client.hget(key("task", "unlucky"), "resends")
    assert resends == str(MAX_RESENDS).encode()


def test_a_task_never_queued_is_queued_by_the_sweep(services: TaskService) -> None:
    submit(services, "stalled", queued=False)
    assert run(services, after_s=0) == Swept()  # it may still be being sent
    stored = time.time() - STALLED_AFTER_S - 1  # its API process died that long ago
    services.store.client.hset(key("task", "stalled"), "submitted_at", f"{stored:.3f}")
    assert run(services, after_s=0) == Swept(stalled=["stalled"])
    assert messages(services) == 1
    assert run(services, after_s=0) == Swept()


def test_one_process_sweeps_per_interval(services: TaskService) -> None:
    assert sweep(services, holder="first") is not None
    assert sweep(services, holder="second") is None
    assert services.store.client.get(key("sweep")) == b"first"
