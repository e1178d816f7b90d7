"""Documents whose queue message was lost, found and queued again.

A task's message can be lost in ways that nothing else repairs:

- the API process that stored the task died before queueing it (its record still says
  ``sending``; ``submission.resend_if_stalled`` queues it on the next read or repeat);
- a worker's main process was killed between taking a message off the queue and recording
  it as taken but unacknowledged (kombu does the two in separate steps). The message is
  then in no queue and not in kombu's ``unacked`` hash, so the visibility timeout never
  brings it back. It may be the document's own message, one of its page ranges' or the
  merge of its ranges.

A sweep, run by one worker at a time every ``SWEEP_INTERVAL_S``, looks at the documents
that have not ended (the ``ocr:held`` index). It queues again a document stored over a
visibility timeout ago that has done no page for a visibility timeout (it is not in
``ocr:running``, or its entry there has lapsed) and that no message in the queues or among
the unacknowledged names (a page range's message names its document in its headers): only
after two sweeps in a row found it so, since a live worker records a message it takes
within milliseconds, and at most ``MAX_RESENDS`` times. A split document queued again is
split again and every range runs again. Documents still ``sending`` after
``STALLED_AFTER_S`` are queued by the sweep too, so that a document whose client never
reads it is not left behind.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import redis

from ocr_inference.tasks.broker import absent_messages
from ocr_inference.tasks.keys import key
from ocr_inference.tasks.queue import WORK_QUEUES
from ocr_inference.tasks.service import TaskService
from ocr_inference.tasks.submission import STALLED_AFTER_S, resend_if_stalled, send_message

log = logging.getLogger("ocr_inference.tasks")

SWEEP_INTERVAL_S = 30.0
MAX_RESENDS = 3

# the lost mark of a task that has not ended nor done a page lately (its entry in the
# running set KEYS[2] lapsed before ARGV[2]): the first call sets ``lost_seen``, the second
# (a sweep later) takes it, counted in ``resends``
_TAKE_LOST = """
local running = redis.call('ZSCORE', KEYS[2], ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'ended') == 1
    or redis.call('HEXISTS', KEYS[1], 'sending') == 1
    or (running and tonumber(running) > tonumber(ARGV[2]))
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
    lost: list[str] = field(default_factory=list)  # queued, then a message of it lost


@dataclass(frozen=True)
class _Waiting:
    task_id: str
    age_s: float
    sending: bool
    progressing: bool  # it did a page within a visibility timeout


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
    idle = [t.task_id for t in waiting if not (t.sending or t.progressing) and t.age_s > older]
    absent = absent_messages(store.client, WORK_QUEUES, idle)
    for task_id in idle:
        if task_id not in absent:
            store.client.hdel(key("task", task_id), "lost_seen")
        elif _take_lost(store.client, task_id, now):
            log.warning("task message lost; queued again", extra={"task": task_id})
            send_message(services, task_id)
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
            pipe.zscore(key("running"), task_id)
        replies = pipe.execute()
    waiting = []
    for task_id, (submitted, sending, ended), running in zip(
        ids, replies[::2], replies[1::2], strict=True
    ):
        if submitted is None or ended is not None:
            continue
        progressing = running is not None and float(running) > now
        waiting.append(_Waiting(task_id, now - float(submitted), sending is not None, progressing))
    return waiting


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _take_lost(client: redis.Redis, task_id: str, now: float) -> bool:
    keys = (key("task", task_id), key("running"))
    return bool(client.eval(_TAKE_LOST, len(keys), *keys, MAX_RESENDS, f"{now:.3f}", task_id))
