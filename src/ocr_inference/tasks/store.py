"""The task store: everything the service keeps in Redis about its tasks and workers,
made of one part per job (``records``, ``progress``, ``heartbeats``) and the operations
that span them: a submission, its end, its cancellation, its removal, and the figures
/metrics reads. Every key is named in ``ocr_inference.tasks.keys``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from redis.typing import EncodableT, FieldT

from ocr_inference.tasks import counters
from ocr_inference.tasks.broker import PRIORITY_STEPS, queue_length
from ocr_inference.tasks.heartbeats import Heartbeats, WorkerReport
from ocr_inference.tasks.keys import PREFIX, key, redis_client
from ocr_inference.tasks.page_results import PageResults
from ocr_inference.tasks.progress import PageProgress, Progress
from ocr_inference.tasks.queue_order import QueueOrder, number
from ocr_inference.tasks.records import HELD_BYTES_SCRIPT, Records, TaskOptions

__all__ = [
    "PREFIX",
    "PageProgress",
    "TaskOptions",
    "TaskStore",
    "WorkerReport",
    "redis_client",
]

_TASK_KEYS = (
    "task",
    "blob",
    "range",
    "attempts",
    "progress",
    "failed",
    "cancelled",
    "webhook",
    "page",
    "pages",
)


class TaskStore(Records, Progress, PageResults, QueueOrder, Heartbeats):
    """Submission records, upload blobs, progress, pages done, queue order, delivery
    counts and worker heartbeats."""

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
            pipe.set(key("blob", task_id), data, ex=self.blob_ttl_s)
            pipe.hset(key("task", task_id), mapping=record)
            pipe.expire(key("task", task_id), self.blob_ttl_s)
            pipe.zadd(key("held"), {f"{len(data)}:{task_id}": time.time() + self.blob_ttl_s})
            pipe.execute()

    def queued(self, task_id: str) -> None:
        """The task's message is on the queue: it is no longer ``sending``, it counts
        as submitted, and it has its number in the queue."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hdel(key("task", task_id), "sending")
            number(pipe, task_id)
            counters.count_submission(pipe)
            pipe.execute()

    def forget(self, task_id: str) -> None:
        """Remove every trace of a submission (one that could not be queued, or a finished
        task deleted by its client); its id then answers 404."""
        self._release(task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(*(key(kind, task_id) for kind in _TASK_KEYS))
            pipe.zrem(key("running"), task_id)
            pipe.execute()

    def finish(self, task_id: str, *, error_code: str | None, seconds: float | None = None) -> None:
        """Once a task has ended, its record, blob and page order live exactly as long as
        its result, and its page ranges and kept pages are deleted (the event streams read
        the result from now on); the document no longer counts as running. It is
        counted once, as succeeded (``error_code`` None) or failed with ``error_code``, and
        ``seconds``, its processing time when known, goes into the duration histogram with
        that count."""
        self._release(task_id)
        record = key("task", task_id)
        counters.count_end(self.client, record, error_code=error_code, seconds=seconds)
        claim = self._idempotency_key(task_id)
        with self.client.pipeline(transaction=False) as pipe:
            for kind in ("task", "blob", "attempts", "pages"):
                pipe.expire(key(kind, task_id), self.result_ttl_s)
            if claim is not None:  # its Idempotency-Key lasts as long as its result
                pipe.expire(claim, self.result_ttl_s)
            pipe.delete(*(key(kind, task_id) for kind in ("progress", "failed", "range", "page")))
            pipe.zrem(key("running"), task_id)
            pipe.execute()

    def cancel(self, task_id: str) -> None:
        """Mark an unfinished task cancelled and drop its upload, page ranges and progress;
        the record stays, as long as a result would, so the id keeps answering."""
        self._release(task_id)
        claim = self._idempotency_key(task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.set(key("cancelled", task_id), 1, ex=self.result_ttl_s)
            pipe.expire(key("task", task_id), self.result_ttl_s)
            if claim is not None:
                pipe.expire(claim, self.result_ttl_s)
            pipe.delete(
                *(key(kind, task_id) for kind in ("blob", "range", "progress", "page", "pages"))
            )
            pipe.zrem(key("running"), task_id)
            pipe.execute()

    def pending(self, queue: str) -> int:
        """Documents waiting in ``queue`` plus documents being processed.

        A document split into page ranges counts once, however many of its ranges wait or
        run; an entry left by a worker that died counts until it goes stale.
        """
        now = time.time()
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key("running"), "-inf", now)
            queue_length(pipe, queue)
            pipe.zcard(key("running"))
            _, *counts = pipe.execute()
        return int(sum(counts))

    def count_request(self, method: str, route: str, status: int) -> None:
        """Count one API request to ``route`` (its template, such as
        ``/api/v1/ocr/results/{task_id}``), answered with ``status``."""
        counters.count_request(self.client, method, route, status)

    def stats(self, queues: Sequence[str]) -> counters.Stats:
        """Queue lengths, documents running, bytes held and the counters, as every API
        process sees them."""
        steps = len(PRIORITY_STEPS)
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key("running"), "-inf", time.time())
            for queue in queues:
                queue_length(pipe, queue)
            pipe.zcard(key("running"))
            pipe.eval(HELD_BYTES_SCRIPT, 1, key("held"), time.time())
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
