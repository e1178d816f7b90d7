"""A pending task's place in the queue, from two counters instead of a scan of the queue.

Every document put on the queue gets the next number of ``ocr:sequence``'s ``queued``
(its record's ``seq``); every document a worker takes adds one to ``taken``, once however
often it is delivered. The documents ahead of a pending task are then those queued before
it and not taken yet: ``seq - 1 - taken``, two reads per poll.

It is exact for one queue read in order by workers that take one document at a time. It is
an estimate otherwise: documents queued with a higher priority are taken before older ones
(and a task counts as taken only once a worker starts it, whatever it was submitted after),
a task queued again after its API process died takes a new number, and a document whose
message was lost stays counted as ahead of every later one. The position never drops below
0, and never exceeds the documents waiting or running besides the task (``pending_tasks``
less one), which bounds any drift of the counters by the queue's true length. Page ranges
of split documents are not counted: a document counts once, when it is taken, however many
ranges it is split into.
"""

from __future__ import annotations

from redis.client import Pipeline

from ocr_inference.tasks.keys import StoreBase, key

# KEYS: the counters, the record; the record's 'seq' set to the next number, if it exists
_NUMBER_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[1], 'queued', 1)
redis.call('HSET', KEYS[2], 'seq', n)
return n
"""
# KEYS: the counters, the record; 'taken' counted once per record, and for a message
# whose record has expired (it left the queue all the same)
_TAKE_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('HSETNX', KEYS[2], 'taken', 1) == 0 then
  return 0
end
return redis.call('HINCRBY', KEYS[1], 'taken', 1)
"""


def number(pipe: Pipeline, task_id: str) -> None:
    """Give ``task_id``'s record the next queue number, within ``pipe``."""
    pipe.eval(_NUMBER_SCRIPT, 2, key("sequence"), key("task", task_id))


class QueueOrder(StoreBase):
    """Documents queued and taken, and a pending task's place among them."""

    def take(self, task_id: str) -> None:
        """Count ``task_id`` as taken by a worker (once, however often it is delivered)."""
        self.client.eval(_TAKE_SCRIPT, 2, key("sequence"), key("task", task_id))

    def queue_position(self, task_id: str) -> int | None:
        """The documents queued before ``task_id`` and not taken yet; 0 once it is taken,
        None if it has no number (not queued yet, or queued before numbers existed)."""
        with self.client.pipeline(transaction=False) as pipe:
            pipe.hmget(key("task", task_id), ["seq", "taken"])
            pipe.hget(key("sequence"), "taken")
            (seq, taken_mark), taken = pipe.execute()
        if seq is None:
            return None
        if taken_mark is not None:
            return 0
        return max(0, int(seq) - 1 - int(taken or 0))
