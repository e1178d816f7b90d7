"""The task store: everything the service keeps in Redis about its tasks and workers.

Celery keeps its own keys, ``ocr_inference.tasks.counters`` those of the counters /metrics
reads (``ocr:counters``, ``ocr:durations``, ``ocr:http_requests``) and
``ocr_inference.tasks.idempotency`` the claims of ``Idempotency-Key`` headers (``ocr:idem:``).

Keys (all under ``ocr:``):

- ``ocr:task:{id}``      hash of the submission (file name, type, size, time, and ``owner``,
                          the SHA-256 hex of the API key that created it, when keys are on);
                          its presence is what makes an id known, so unknown or expired ids
                          answer 404. It also holds the client's options ``pages``, ``dpi``
                          and ``callback_url`` when given, ``idempotency``, the name of
                          its ``ocr:idem:`` key, if any, and ``sending`` until the task is
                          on the queue (an API process that died in between leaves it).
- ``ocr:webhook:{id}``   set when the task's webhook was queued, so that it is sent once.
- ``ocr:blob:{id}``      the uploaded bytes; workers on any machine need only Redis.
- ``ocr:attempts:{id}``  deliveries of the task so far, to stop requeue loops.
- ``ocr:progress:{id}``  pages done and pages in all of a document being processed.
- ``ocr:cancelled:{id}`` set by a DELETE before the task ended; workers stop at the next
                          page, and the task reads as cancelled until it expires.
- ``ocr:failed:{id}``    set when a page range of a split document fails, so that its
                          other ranges are skipped.
- ``ocr:running``         sorted set of documents being processed, scored by the time after
                          which an entry no longer counts (a worker that died mid-document
                          leaves one behind; each page done pushes it back).
- ``ocr:held``            sorted set of the uploads whose tasks have not ended, as
                          ``{size}:{id}``, scored by the time their blobs expire; their
                          sizes add up to the bytes held (the ``held`` field of each
                          ``ocr:task:{id}`` is its size until the task ends). An upload
                          whose task never ends stops counting when its blob expires.
- ``ocr:worker:{name}``  heartbeat of one worker process, expiring when it stops beating.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis
from redis.client import Pipeline
from redis.typing import EncodableT, FieldT

from ocr_inference.tasks import counters
from ocr_inference.tasks.idempotency import IdempotencyKeys

PREFIX = "ocr"
# kombu's Redis transport keeps one list per priority step (0, 3, 6, 9) of a queue.
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


_TASK_KEYS = ("task", "blob", "attempts", "progress", "failed", "cancelled", "webhook")
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
# the bytes of the uploads held, once those whose blobs have expired are dropped
_HELD_BYTES = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local total = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  total = total + tonumber(string.match(member, '^(%d+):'))
end
return total
"""


@dataclass(frozen=True)
class PageProgress:
    done: int
    total: int


@dataclass(frozen=True)
class WorkerReport:
    alive: int
    models_loaded: bool


@dataclass(frozen=True)
class TaskOptions:
    """What a client asked for besides the file; None: the service's default."""

    pages: str | None = None  # normalized, such as "1-3,7"
    dpi: int | None = None
    callback_url: str | None = None


class TaskStore:
    """Submission records, upload blobs, delivery counts and worker heartbeats."""

    def __init__(self, client: redis.Redis, *, result_ttl_s: int, blob_ttl_s: int) -> None:
        self.client = client
        self.result_ttl_s = result_ttl_s
        self.blob_ttl_s = blob_ttl_s
        self.idempotency = IdempotencyKeys(client, ttl_s=blob_ttl_s)

    @staticmethod
    def _key(kind: str, name: str) -> str:
        return f"{PREFIX}:{kind}:{name}"

    def create(
        self,
        task_id: str,
        data: bytes,
        *,
        filename: str,
        doc_type: str,
        owner: str | None = None,
        options: TaskOptions | None = None,
        idempotency: str | None = None,
    ) -> None:
        """Record a submission and store its bytes, atomically; ``owner`` identifies the
        API key that alone may see the task (None while keys are off); ``idempotency`` is
        the Redis key of its ``IdempotencyClaim``. It is ``sending`` to the queue, and not
        counted as submitted, until ``queued``."""
        record: dict[FieldT, EncodableT] = {
            "filename": filename,
            "type": doc_type,
            "size": str(len(data)),
            "held": str(len(data)),
            "submitted_at": f"{time.time():.3f}",
            "sending": "1",
        }
        extra = {"owner": owner, "idempotency": idempotency, **vars(options or TaskOptions())}
        record.update({name: str(value) for name, value in extra.items() if value is not None})
        with self.client.pipeline(transaction=True) as pipe:
            pipe.set(self._key("blob", task_id), data, ex=self.blob_ttl_s)
            pipe.hset(self._key("task", task_id), mapping=record)
            pipe.expire(self._key("task", task_id), self.blob_ttl_s)
            pipe.zadd(self._held, {f"{len(data)}:{task_id}": time.time() + self.blob_ttl_s})
            pipe.execute()

    def options(self, task_id: str) -> TaskOptions:
        """The options stored with a task (all None for an unknown task)."""
        pages, dpi, url = self.client.hmget(
            self._key("task", task_id), ["pages", "dpi", "callback_url"]
        )
        return TaskOptions(
            pages=pages.decode() if isinstance(pages, bytes) else None,
            dpi=int(dpi) if dpi else None,
            callback_url=url.decode() if isinstance(url, bytes) else None,
        )

    def queued(self, task_id: str) -> None:
        """The task's message is on the queue: it is no longer ``sending``, and it counts
        as submitted."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hdel(self._key("task", task_id), "sending")
            counters.count_submission(pipe)
            pipe.execute()

    def unqueued(self, task_id: str) -> None:
        """Sending the task's message failed: it still has to be sent (unless its record
        is gone meanwhile, which this does not bring back)."""
        self.client.eval(_UNQUEUED, 1, self._key("task", task_id))

    def take_stalled(self, task_id: str, *, older_than_s: float) -> bool:
        """Whether the task was stored over ``older_than_s`` ago and never queued (the API
        process that stored it died before sending it), in which case the caller, and no
        other, is to send it now. A task a worker has received, or that has ended, was
        queued, whatever its record says."""
        record, attempts = self._key("task", task_id), self._key("attempts", task_id)
        return bool(self.client.eval(_TAKE_STALLED, 2, record, attempts, older_than_s, time.time()))

    def _idempotency_key(self, task_id: str) -> str | None:
        name = self.client.hget(self._key("task", task_id), "idempotency")
        return name.decode() if isinstance(name, bytes) else None

    def forget_idempotency(self, task_id: str) -> None:
        """Drop the idempotency key of a task about to be forgotten, if it still stands
        for that task."""
        name = self._idempotency_key(task_id)
        if name is not None:
            self.idempotency.release(name, task_id)

    def claim_webhook(self, task_id: str) -> bool:
        """Whether this call is the first to queue the webhook of ``task_id``."""
        key = self._key("webhook", task_id)
        return bool(self.client.set(key, 1, nx=True, ex=self.result_ttl_s))

    @property
    def _held(self) -> str:
        return f"{PREFIX}:held"

    def held_bytes(self) -> int:
        """Bytes of uploads whose tasks have not ended yet."""
        return int(self.client.eval(_HELD_BYTES, 1, self._held, time.time()))

    def _release(self, task_id: str) -> None:
        """Take a task's upload out of ``held_bytes``, once however often it is called."""
        self.client.eval(_RELEASE, 2, self._key("task", task_id), self._held, task_id)

    def forget(self, task_id: str) -> None:
        """Remove every trace of a submission (one that could not be queued, or a finished
        task deleted by its client); its id then answers 404."""
        self._release(task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(*(self._key(kind, task_id) for kind in _TASK_KEYS))
            pipe.zrem(self._running, task_id)
            pipe.execute()

    def exists(self, task_id: str) -> bool:
        return bool(self.client.exists(self._key("task", task_id)))

    def visible(self, task_id: str, owner: str | None) -> bool:
        """Whether ``task_id`` is known and, when ``owner`` is given (keys are on), was
        created by that owner; a task created while keys were off has none."""
        if owner is None:
            return self.exists(task_id)
        stored = self.client.hget(self._key("task", task_id), "owner")
        return isinstance(stored, bytes) and stored == owner.encode()

    def load_blob(self, task_id: str) -> bytes | None:
        data = self.client.get(self._key("blob", task_id))
        return data if isinstance(data, bytes) else None

    def finish(self, task_id: str, *, error_code: str | None, seconds: float | None = None) -> None:
        """Once a task has ended, its record and blob live exactly as long as its result;
        the document no longer counts as running. It is counted once, as succeeded
        (``error_code`` None) or failed with ``error_code``, and ``seconds``, its
        processing time when known, goes into the duration histogram with that count."""
        self._release(task_id)
        record = self._key("task", task_id)
        counters.count_end(self.client, record, error_code=error_code, seconds=seconds)
        claim = self._idempotency_key(task_id)
        with self.client.pipeline(transaction=False) as pipe:
            for kind in ("task", "blob", "attempts"):
                pipe.expire(self._key(kind, task_id), self.result_ttl_s)
            if claim is not None:  # its Idempotency-Key lasts as long as its result
                pipe.expire(claim, self.result_ttl_s)
            pipe.delete(self._key("progress", task_id), self._key("failed", task_id))
            pipe.zrem(self._running, task_id)
            pipe.execute()

    @property
    def _running(self) -> str:
        return f"{PREFIX}:running"

    def start_document(self, task_id: str, pages: int, *, stale_after_s: int) -> None:
        """Count ``task_id`` as running, with ``pages`` pages and none done yet."""
        key = self._key("progress", task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"done": 0, "total": pages})
            pipe.expire(key, self.blob_ttl_s)
            pipe.zadd(self._running, {task_id: time.time() + stale_after_s})
            pipe.execute()

    def page_done(self, task_id: str, *, stale_after_s: int) -> PageProgress:
        """Count one more page of ``task_id`` done, from any worker, and return the total."""
        key = self._key("progress", task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "done", 1)
            pipe.hget(key, "total")
            pipe.zadd(self._running, {task_id: time.time() + stale_after_s}, xx=True)
            counters.count_page(pipe)
            done, total, *_ = pipe.execute()
        return PageProgress(int(done), int(total or 0))

    def cancel(self, task_id: str) -> None:
        """Mark an unfinished task cancelled and drop its upload and progress; the record
        stays, as long as a result would, so the id keeps answering."""
        self._release(task_id)
        claim = self._idempotency_key(task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.set(self._key("cancelled", task_id), 1, ex=self.result_ttl_s)
            pipe.expire(self._key("task", task_id), self.result_ttl_s)
            if claim is not None:
                pipe.expire(claim, self.result_ttl_s)
            pipe.delete(self._key("blob", task_id), self._key("progress", task_id))
            pipe.zrem(self._running, task_id)
            pipe.execute()

    def cancelled(self, task_id: str) -> bool:
        return bool(self.client.exists(self._key("cancelled", task_id)))

    def mark_failed(self, task_id: str) -> None:
        self.client.set(self._key("failed", task_id), 1, ex=self.blob_ttl_s)

    def failed(self, task_id: str) -> bool:
        return bool(self.client.exists(self._key("failed", task_id)))

    def progress(self, task_id: str) -> PageProgress | None:
        done, total = self.client.hmget(self._key("progress", task_id), ["done", "total"])
        if done is None or total is None:
            return None
        return PageProgress(int(done), int(total))

    def count_attempt(self, task_id: str) -> int:
        """Count one more delivery of ``task_id`` and return the total so far."""
        key = self._key("attempts", task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.blob_ttl_s)
            count, _ = pipe.execute()
        return int(count)

    def attempts(self, task_id: str) -> int:
        value = self.client.get(self._key("attempts", task_id))
        return int(value) if value else 0

    def pending(self, queue: str) -> int:
        """Documents waiting in ``queue`` plus documents being processed.

        A document split into page ranges counts once, however many of its ranges wait or
        run; an entry left by a worker that died counts until it goes stale.
        """
        now = time.time()
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(self._running, "-inf", now)
            _queue_length(pipe, queue)
            pipe.zcard(self._running)
            _, *counts = pipe.execute()
        return int(sum(counts))

    def count_request(self, method: str, route: str, status: int) -> None:
        """Count one API request to ``route`` (its template, such as
        ``/api/v1/ocr/results/{task_id}``), answered with ``status``."""
        counters.count_request(self.client, method, route, status)

    def stats(self, queues: Sequence[str]) -> counters.Stats:
        """Queue lengths, documents running, bytes held and the counters, as every API
        process sees them."""
        steps = len(_PRIORITY_STEPS)
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(self._running, "-inf", time.time())
            for queue in queues:
                _queue_length(pipe, queue)
            pipe.zcard(self._running)
            pipe.eval(_HELD_BYTES, 1, self._held, time.time())
            counters.read(pipe)
            _, *replies = pipe.execute()
        *lengths, running, held, raw_counters, raw_durations, raw_requests = replies
        queued = {q: int(sum(lengths[i * steps : (i + 1) * steps])) for i, q in enumerate(queues)}
        return counters.stats(
            raw_counters,
            raw_durations,
            raw_requests,
            queued=queued,
            running=int(running),
            held_bytes=int(held),
            workers=self.workers().alive,
        )

    def heartbeat(self, worker: str, *, models_loaded: bool, ttl_s: int) -> None:
        payload = json.dumps({"models_loaded": models_loaded, "at": time.time()})
        self.client.set(self._key("worker", worker), payload, ex=ttl_s)

    def forget_worker(self, worker: str) -> None:
        self.client.delete(self._key("worker", worker))

    def workers(self) -> WorkerReport:
        alive, loaded = 0, False
        keys = list(self.client.scan_iter(match=self._key("worker", "*"), count=500))
        for raw in self.client.mget(keys) if keys else []:
            if raw is None:
                continue
            alive += 1
            loaded = loaded or bool(json.loads(raw).get("models_loaded"))
        return WorkerReport(alive, loaded)


def _queue_length(pipe: Pipeline, queue: str) -> None:
    """Queue the commands whose replies, summed, are the messages waiting in ``queue``."""
    for step in _PRIORITY_STEPS:
        pipe.llen(queue if step == 0 else f"{queue}{_PRIORITY_SEP}{step}")


def redis_client(url: str, *, timeout_s: float = 5.0) -> redis.Redis:
    """A client whose calls fail fast when Redis is unreachable instead of hanging."""
    return redis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, health_check_interval=30
    )
