"""Idempotency-Key claims: which task a client's key stands for, so that a repeated
submission gets the first one's task instead of a second task.

Each claim is an ``ocr:idem:`` key, described in ``ocr_inference.tasks.keys``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import redis

from ocr_inference.tasks.keys import key as redis_key

# the claim of a key, or what an earlier request stored under it
_CLAIM = """
local held = redis.call('GET', KEYS[1])
if held then
  return held
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
"""
# drop a claim only while it still stands for the task ARGV[1]
_RELEASE = """
local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held)['task_id'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class IdempotencyClaim:
    """The task an ``Idempotency-Key`` stands for, and the SHA-256 of its upload."""

    key: str  # the Redis key
    task_id: str
    sha256: str
    new: bool  # claimed by this request; False: by an earlier one


class IdempotencyKeys:
    """Claims of ``Idempotency-Key`` headers, each scoped to the API key that sent it."""

    def __init__(self, client: redis.Redis, *, ttl_s: int) -> None:
        self.client = client
        self.ttl_s = ttl_s

    @staticmethod
    def name(owner: str | None, key: str) -> str:
        """The Redis key of ``key`` sent with the API key ``owner`` (None: keys are off)."""
        return redis_key("idem", f"{owner or '-'}:{hashlib.sha256(key.encode()).hexdigest()}")

    def find(self, name: str) -> IdempotencyClaim | None:
        """The claim stored under ``name``, if any."""
        held = self.client.get(name)
        return None if held is None else _stored(name, held)

    def claim(self, name: str, *, task_id: str, sha256: str) -> IdempotencyClaim:
        """Claim ``name`` for ``task_id`` atomically, or return the claim of an earlier
        request (``new`` False), so that concurrent requests share one task."""
        value = json.dumps({"task_id": task_id, "sha256": sha256})
        held = self.client.eval(_CLAIM, 1, name, value, self.ttl_s)
        if held is None:
            return IdempotencyClaim(name, task_id, sha256, new=True)
        return _stored(name, held)

    def release(self, name: str, task_id: str) -> None:
        """Drop the claim of ``name`` for ``task_id``, unless it has come to stand for
        another task since."""
        self.client.eval(_RELEASE, 1, name, task_id)


def _stored(name: str, held: bytes | str) -> IdempotencyClaim:
    stored = json.loads(held)
    return IdempotencyClaim(name, stored["task_id"], stored["sha256"], new=False)
