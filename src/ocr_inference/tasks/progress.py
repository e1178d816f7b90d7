"""A document's progress through the workers: pages done, documents running, deliveries
counted, a split document's failed range, and cancellation."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ocr_inference.tasks import counters
from ocr_inference.tasks.keys import StoreBase, key


@dataclass(frozen=True)
class PageProgress:
    done: int
    total: int


class Progress(StoreBase):
    """Pages done, documents running, attempts, failed ranges and cancellation marks."""

    def start_document(self, task_id: str, pages: int, *, stale_after_s: int) -> None:
        """Count ``task_id`` as running, with ``pages`` pages and none done yet."""
        name = key("progress", task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(name, mapping={"done": 0, "total": pages})
            pipe.expire(name, self.blob_ttl_s)
            pipe.zadd(key("running"), {task_id: time.time() + stale_after_s})
            pipe.execute()

    def page_done(self, task_id: str, *, stale_after_s: int) -> PageProgress:
        """Count one more page of ``task_id`` done, from any worker, and return the total."""
        name = key("progress", task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hincrby(name, "done", 1)
            pipe.hget(name, "total")
            pipe.zadd(key("running"), {task_id: time.time() + stale_after_s}, xx=True)
            counters.count_page(pipe)
            done, total, *_ = pipe.execute()
        return PageProgress(int(done), int(total or 0))

    def cancelled(self, task_id: str) -> bool:
        return bool(self.client.exists(key("cancelled", task_id)))

    def mark_failed(self, task_id: str) -> None:
        self.client.set(key("failed", task_id), 1, ex=self.blob_ttl_s)

    def failed(self, task_id: str) -> bool:
        return bool(self.client.exists(key("failed", task_id)))

    def progress(self, task_id: str) -> PageProgress | None:
        done, total = self.client.hmget(key("progress", task_id), ["done", "total"])
        if done is None or total is None:
            return None
        return PageProgress(int(done), int(total))

    def count_attempt(self, task_id: str) -> int:
        """Count one more delivery of ``task_id`` and return the total so far."""
        name = key("attempts", task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self.blob_ttl_s)
            count, _ = pipe.execute()
        return int(count)

    def attempts(self, task_id: str) -> int:
        value = self.client.get(key("attempts", task_id))
        return int(value) if value else 0
