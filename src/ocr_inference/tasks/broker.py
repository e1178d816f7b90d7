"""What the service reads of kombu's Redis transport: the lists that hold a queue's
messages. kombu keeps one list per priority step (0, 3, 6, 9) of a queue, the first under
the queue's own name and the others under the name, a separator and the step; a test
(tests/unit/tasks/test_broker.py) pins that layout against kombu itself."""

from __future__ import annotations

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
