"""The task record and its upload: what a submission stored, its options, whether it
was queued, its webhook claim, and the bytes held by uploads whose tasks have not ended."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from ocr_inference.tasks.idempotency import IdempotencyKeys
from ocr_inference.tasks.keys import StoreBase, key

# the record's 'sending' mark, taken by one caller, if the task is older than ARGV[1] s
# and has neither been delivered to a worker (KEYS[2], its attempts) nor ended
_TAKE_STALLED = """
local submitted = redis.call('HGET', KEYS[1], 'submitted_at')
if redis.call('HEXISTS', KEYS[1], 'sending') == 1 and submitted
    and redis.call('HEXISTS', KEYS[1], 'ended') == 0 and redis.call('EXISTS', KEYS[2]) == 0
    and tonumber(ARGV[2]) - tonumber(submitted) > tonumber(ARGV[1]) then
  return redis.call('HDEL', KEYS[1], 'sending')
end
return 0
"""
# the 'sending' mark put back, on a record that still exists
_UNQUEUED = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'sending', '1')
end
return 0
"""
_RELEASE = """
local held = redis.call('HGET', KEYS[1], 'held')
if held then
  redis.call('HDEL', KEYS[1], 'held')
  redis.call('ZREM', KEYS[2], held .. ':' .. ARGV[1])
end
return held
"""
# a split document's page ranges (KEYS[3]) counted in the bytes its task holds (upload
# plus ranges, however often it was split) and given its upload's (KEYS[4]) expiry; deleted
# instead if the task ended or its upload went meanwhile
_HOLD_RANGES = """
local held = redis.call('HGET', KEYS[1], 'held')
local ttl = redis.call('PTTL', KEYS[4])
if not held or ttl == -2 then
  redis.call('DEL', KEYS[3])
  return 0
end
local total = tonumber(redis.call('HGET', KEYS[1], 'size') or '0')
for _, field in ipairs(redis.call('HKEYS', KEYS[3])) do
  total = total + redis.call('HSTRLEN', KEYS[3], field)
end
local score = redis.call('ZSCORE', KEYS[2], held .. ':' .. ARGV[1])
redis.call('ZREM', KEYS[2], held .. ':' .. ARGV[1])
if score then
  redis.call('ZADD', KEYS[2], score, string.format('%d', total) .. ':' .. ARGV[1])
end
redis.call('HSET', KEYS[1], 'held', string.format('%d', total))
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return total
"""
# the bytes of the uploads held, once those whose blobs have expired are dropped
HELD_BYTES_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local total = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  total = total + tonumber(string.match(member, '^(%d+):'))
end
return total
"""


@dataclass(frozen=True)
class TaskOptions:
    """What a client asked for besides the file; None: the service's default."""

    pages: str | None = None  # normalized, such as "1-3,7"
    dpi: int | None = None
    callback_url: str | None = None


class Records(StoreBase):
    """Submission records and upload blobs."""

    @property
    def idempotency(self) -> IdempotencyKeys:
        return IdempotencyKeys(self.client, ttl_s=self.blob_ttl_s)

    def options(self, task_id: str) -> TaskOptions:
        """The options stored with a task (all None for an unknown task)."""
        pages, dpi, url = self.client.hmget(key("task", task_id), ["pages", "dpi", "callback_url"])
        return TaskOptions(
            pages=pages.decode() if isinstance(pages, bytes) else None,
            dpi=int(dpi) if dpi else None,
            callback_url=url.decode() if isinstance(url, bytes) else None,
        )

    def unqueued(self, task_id: str) -> None:
        """Sending the task's message failed: it still has to be sent (unless its record
        is gone meanwhile, which this does not bring back)."""
        self.client.eval(_UNQUEUED, 1, key("task", task_id))

    def take_stalled(self, task_id: str, *, older_than_s: float) -> bool:
        """Whether the task was stored over ``older_than_s`` ago and never queued (the API
        process that stored it died before sending it), in which case the caller, and no
        other, is to send it now. A task a worker has received, or that has ended, was
        queued, whatever its record says."""
        record, attempts = key("task", task_id), key("attempts", task_id)
        return bool(self.client.eval(_TAKE_STALLED, 2, record, attempts, older_than_s, time.time()))

    def _idempotency_key(self, task_id: str) -> str | None:
        name = self.client.hget(key("task", task_id), "idempotency")
        return name.decode() if isinstance(name, bytes) else None

    def forget_idempotency(self, task_id: str) -> None:
        """Drop the idempotency key of a task about to be forgotten, if it still stands
        for that task."""
        name = self._idempotency_key(task_id)
        if name is not None:
            self.idempotency.release(name, task_id)

    def claim_webhook(self, task_id: str) -> bool:
        """Whether this call is the first to queue the webhook of ``task_id``."""
        name = key("webhook", task_id)
        return bool(self.client.set(name, 1, nx=True, ex=self.result_ttl_s))

    def held_bytes(self) -> int:
        """Bytes of uploads whose tasks have not ended yet."""
        return int(self.client.eval(HELD_BYTES_SCRIPT, 1, key("held"), time.time()))

    def _release(self, task_id: str) -> None:
        """Take a task's upload out of ``held_bytes``, once however often it is called."""
        self.client.eval(_RELEASE, 2, key("task", task_id), key("held"), task_id)

    def exists(self, task_id: str) -> bool:
        return bool(self.client.exists(key("task", task_id)))

    def visible(self, task_id: str, owner: str | None) -> bool:
        """Whether ``task_id`` is known and, when ``owner`` is given (keys are on), was
        created by that owner; a task created while keys were off has none."""
        if owner is None:
            return self.exists(task_id)
        stored = self.client.hget(key("task", task_id), "owner")
        return isinstance(stored, bytes) and stored == owner.encode()

    def ended_code(self, task_id: str) -> str | None:
        """The code a failed task was ended with, once a worker has ended it."""
        ended = self.client.hget(key("task", task_id), "ended")
        prefix = b"failed:"
        if isinstance(ended, bytes) and ended.startswith(prefix):
            return ended[len(prefix) :].decode()
        return None

    def load_blob(self, task_id: str) -> bytes | None:
        data = self.client.get(key("blob", task_id))
        return data if isinstance(data, bytes) else None

    def store_ranges(self, task_id: str, parts: Iterable[tuple[int, int, bytes | None]]) -> int:
        """Store the page ranges of a split document, ``(first, stop, data)`` each (None:
        that range is read from the upload), in place of any stored by an earlier split;
        they count in ``held_bytes`` and expire with the upload. Returns the bytes the task
        now holds (0 if it ended meanwhile, when they are dropped)."""
        name = key("range", task_id)
        self.client.delete(name)
        for first, stop, data in parts:
            if data is None:
                continue
            with self.client.pipeline(transaction=True) as pipe:
                pipe.hset(name, f"{first}-{stop}", data)
                pipe.expire(name, self.blob_ttl_s)
                pipe.execute()
        keys = (key("task", task_id), key("held"), name, key("blob", task_id))
        return int(self.client.eval(_HOLD_RANGES, len(keys), *keys, task_id))

    def load_range(self, task_id: str, first: int, stop: int) -> bytes | None:
        """The pages ``first`` to ``stop - 1`` of a split document as ``store_ranges``
        stored them, if it did."""
        data = self.client.hget(key("range", task_id), f"{first}-{stop}")
        return data if isinstance(data, bytes) else None
