"""What the service reads of kombu's Redis transport: the lists that hold a queue's
messages, and the hash of messages taken and not yet acknowledged. kombu keeps one list per
priority step (0, 3, 6, 9) of a queue, the first under the queue's own name and the others
under the name, a separator and the step; a test (tests/unit/tasks/test_broker.py) pins
that layout against kombu itself."""

from __future__ import annotations

from collections.abc import Sequence
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


UNACKED_KEY = "unacked"  # kombu's hash of messages taken and not yet acknowledged

# the ids among ARGV that no message in the lists KEYS[2..] nor in the hash KEYS[1] names
_ABSENT = """
local absent = {}
for _, id in ipairs(ARGV) do absent[id] = true end
local function drop(message)
  for id in pairs(absent) do
    if string.find(message, id, 1, true) then absent[id] = nil end
  end
end
for i = 2, #KEYS do
  for _, message in ipairs(redis.call('LRANGE', KEYS[i], 0, -1)) do drop(message) end
end
for _, message in ipairs(redis.call('HVALS', KEYS[1])) do drop(message) end
local result = {}
for id in pairs(absent) do table.insert(result, id) end
return result
"""


def absent_messages(client: Any, queues: Sequence[str], task_ids: list[str]) -> set[str]:
    """The ids of ``task_ids`` that no message waiting in ``queues`` nor taken and
    unacknowledged names (in its headers: its own id, its root's, or its arguments): read
    in one script, so that no message moves between the lists and the hash while it runs.
    It reads every message, so it is for rare sweeps, not for polls."""
    if not task_ids:
        return set()
    keys = [UNACKED_KEY, *(name for queue in queues for name in queue_lists(queue))]
    found = client.eval(_ABSENT, len(keys), *keys, *task_ids)
    return {item.decode() if isinstance(item, bytes) else str(item) for item in found}
