"""The queue layout read from kombu's Redis transport, pinned against kombu itself and
against the lists a real message lands in."""

from __future__ import annotations

import redis
from kombu import Connection
from kombu.transport import redis as kombu_redis

from ocr_inference.tasks import broker


def test_layout_is_kombus() -> None:
    assert list(broker.PRIORITY_STEPS) == list(kombu_redis.PRIORITY_STEPS)
    assert kombu_redis.Channel.sep == broker.PRIORITY_SEP


def test_a_message_of_each_priority_lands_in_one_of_the_queues_lists(redis_url: str) -> None:
    with Connection(redis_url) as connection:
        queue = connection.SimpleQueue("pinned")
        for priority in (0, 3, 6, 9):
            queue.put({"n": priority}, priority=priority)
        client = connection.default_channel.client
        lengths = [client.llen(name) for name in broker.queue_lists("pinned")]
        queue.close()
    assert sum(lengths) == 4 and all(lengths)


def test_messages_taken_and_not_acknowledged_go_back_to_their_queue_at_once(
    redis_url: str,
) -> None:
    """kombu's layout: a taken message waits in the ``unacked`` hash until acknowledged."""
    taker = Connection(redis_url)
    queue = taker.SimpleQueue("pinned")
    queue.put({"n": 1})
    queue.get(timeout=5)  # taken, never acknowledged: its worker died
    client = redis.Redis.from_url(redis_url)
    assert client.hlen("unacked") == 1 and client.llen("pinned") == 0
    assert broker.requeue_unacked(redis_url) == 1
    assert client.hlen("unacked") == 0 and client.llen("pinned") == 1
    assert broker.requeue_unacked(redis_url) == 0
    queue.close()
    taker.release()  # kombu restores what it still holds on close: nothing is left
    assert client.llen("pinned") == 1
    client.close()


def test_the_unacknowledged_hash_is_kombus() -> None:
    assert kombu_redis.Channel.unacked_key == broker.UNACKED_KEY


def test_messages_neither_waiting_nor_taken_are_found_absent(redis_url: str) -> None:
    with Connection(redis_url) as connection:
        queue = connection.SimpleQueue("pinned")
        # a Celery message names its task in its headers (its body is base64)
        queue.put({"n": 1}, headers={"id": "taken-1"})
        queue.put({"n": 2}, headers={"id": "waiting-2"})
        # a page range's message names its document in its arguments
        queue.put({"n": 3}, headers={"id": "range-9", "argsrepr": "('document-4', 1, 3)"})
        taken = queue.get(timeout=5)  # the first is taken, and not acknowledged
        client = connection.default_channel.client
        ids = ["taken-1", "waiting-2", "gone-3", "document-4"]
        found = broker.absent_messages(client, ["other", "pinned"], ids)
        taken.ack()
        queue.close()
    assert found == {"gone-3"}
    client = redis.Redis.from_url(redis_url)
    assert broker.absent_messages(client, ["pinned"], []) == set()
    client.close()
