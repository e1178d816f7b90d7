"""What the service reads of kombu's Redis transport: the lists that hold a queue's
messages. kombu keeps one list per priority step (0, 3, 6, 9) of a queue, the first under
the queue's own name and the others under the name, a separator and the step; a test
(tests/unit/tasks/test_broker.py) pins that layout against kombu itself."""

from __future__ import annotations

from typing import Any

from kombu import Connection
from redis.client import Pipeline

PRIORITY_SEP = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)


def queue_lists(queue: str) -> list[str]:
    """The Redis lists that hold the messages of ``queue``, one per priority step."""
    return [queue if step == 0 else f"{queue}{PRIORITY_SEP}{step}" for step in PRIORITY_STEPS]


def queue_length(pipe: Pipeline, queue: str) -> None:
    """Queue the commands whose replies, summed, are the messages waiting in ``queue``."""
    for name in queue_lists(queue):
        pipe.llen(name)


def requeue_unacked(url: str) -> int:
    """Put every message that a worker took but did not acknowledge back on its queue, at
    once, and return how many there were.

    kombu's Redis transport keeps such messages in the ``unacked`` hash (with their
    delivery times in ``unacked_index``) and puts them back only once the visibility
    timeout has passed since their delivery. This is safe only while no live worker holds
    any of them: ``ocr-inference up`` calls it after its only worker died. A test pins the
    layout against kombu.
    """
    with Connection(url) as connection:
        channel: Any = connection.default_channel
        client = channel.client
        tags = [tag.decode() for tag in client.hkeys(channel.unacked_key)]
        for tag in tags:
            channel.qos.restore_by_tag(tag, client=client)
    return len(tags)
