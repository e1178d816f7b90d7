"""The queue layout read from kombu's Redis transport, pinned against kombu itself and
against the lists a real message lands in."""

from __future__ import annotations

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
