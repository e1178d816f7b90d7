"""Documents whose queue message was lost, found and queued again.

A task's message can be lost in two ways that nothing else repairs:

- the API process that stored the task died before queueing it (its record still says
  ``sending``; ``submission.resend_if_stalled`` queues it on the next read or repeat);
- a worker's main process was killed between taking the message off the queue and
  recording it as taken but unacknowledged (kombu does the two in separate steps). The
  message is then in no queue and not in kombu's ``unacked`` hash, so the visibility
  timeout never brings it back, and no worker ever received it (it has no ``attempts``).

A sweep, run by one worker at a time every ``SWEEP_INTERVAL_S``, looks at the tasks that
have not ended (the ``ocr:held`` index) and queues again a task stored over a visibility
timeout ago that no worker received and whose message is nowhere: only after two sweeps in
a row found it so (a live worker takes a message and records it within milliseconds), and
at most ``MAX_RESENDS`` times. Tasks still ``sending`` after ``STALLED_AFTER_S`` are queued
by the sweep too, so that a document whose client never reads it is not left behind.
A page-range task of a split document lost the same way is not recovered here (its
document stays STARTED until its record expires).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import redis

from ocr_inference.tasks.broker import absent_messages
from ocr_inference.tasks.keys import key
from ocr_inference.tasks.queue import QUEUE
from ocr_inference.tasks.service import TaskService
from ocr_inference.tasks.submission import STALLED_AFTER_S, queue_task, resend_if_stalled

log = logging.getLogger("ocr_inference.tasks")

SWEEP_INTERVAL_S = 30.0
MAX_RESENDS = 3

# the lost mark of a task that no worker received and that has not ended: the first call
# sets ``lost_seen``, the second (a sweep later) takes it, counted in ``resends``
_TAKE_LOST = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'ended') == 1
    or redis.call('HEXISTS', KEYS[1], 'sending') == 1 or redis.call('EXISTS', KEYS[2]) == 1
    or tonumber(redis.call('HGET', KEYS[1], 'resends') or '0') >= tonumber(ARGV[1]) then
  return 0
end
if redis.call('HEXISTS', KEYS[1], 'lost_seen') == 0 then
  redis.call('HSET', KEYS[1], 'lost_seen', ARGV[2])
  return 0
end
redis.call('HDEL', KEYS[1], 'lost_seen')
redis.call('HINCRBY', KEYS[1], 'resends', 1)
return 1
"""


@dataclass
class Swept:
    """What one sweep did: the tasks it queued again, by why."""

    stalled: list[str] = field(default_factory=list)  # never queued (API died)
    lost: list[str] = field(default_factory=list)  # queued, then taken and lost


@dataclass(frozen=True)
class _Waiting:
    task_id: str
    age_s: float
    sending: bool
    received: bool  # a worker received it (it has attempts)


def sweep(services: TaskService, *, holder: str, now: float | None = None) -> Swept | None:
    """Queue again the tasks whose message was lost, if no other process swept within the
    last ``SWEEP_INTERVAL_S``; None when another did.

    Raises:
        redis.RedisError: Redis is unreachable (the next sweep tries again).
    """
    store = services.store
    if not store.client.set(key("sweep"), holder, nx=True, ex=max(int(SWEEP_INTERVAL_S) - 1, 1)):
        return None
    now = time.time() if now is None else now
    waiting = _waiting(services, now)
    swept = Swept()
    for task in waiting:
        if (
            task.sending
            and task.age_s > STALLED_AFTER_S
            and resend_if_stalled(services, task.task_id)
        ):
            swept.stalled.append(task.task_id)
    older = services.settings.visibility_timeout_s
    undelivered = [t.task_id for t in waiting if not (t.sending or t.received) and t.age_s > older]
    absent = absent_messages(store.client, QUEUE, undelivered)
    for task_id in undelivered:
        if task_id not in absent:
            store.client.hdel(key("task", task_id), "lost_seen")
        elif _take_lost(store.client, task_id, now):
            log.warning("task message lost; queued again", extra={"task": task_id})
            queue_task(services, task_id)
            swept.lost.append(task_id)
    return swept


def _waiting(services: TaskService, now: float) -> list[_Waiting]:
    """The tasks whose uploads are held (they have not ended), with what their records say."""
    client = services.store.client
    members = client.zrangebyscore(key("held"), now, "+inf")
    ids = [_text(member).split(":", 1)[1] for member in members]
    with client.pipeline(transaction=False) as pipe:
        for task_id in ids:
            pipe.hmget(key("task", task_id), ["submitted_at", "sending", "ended"])
            pipe.exists(key("attempts", task_id))
        replies = pipe.execute()
    waiting = []
    for task_id, (submitted, sending, ended), attempts in zip(
        ids, replies[::2], replies[1::2], strict=True
    ):
        if submitted is None or ended is not None:
            continue
        age = now - float(submitted)
        waiting.append(_Waiting(task_id, age, sending is not None, bool(attempts)))
    return waiting


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _take_lost(client: redis.Redis, task_id: str, now: float) -> bool:
    keys = (key("task", task_id), key("attempts", task_id))
    return bool(client.eval(_TAKE_LOST, len(keys), *keys, MAX_RESENDS, f"{now:.3f}"))
