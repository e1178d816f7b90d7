"""What a process that serves tasks holds: settings, the task store and the Celery app
that sends to the queue; and the one check that makes a task id known to a caller."""

from __future__ import annotations

from dataclasses import dataclass

from celery import Celery

from ocr_inference.config import Settings
from ocr_inference.errors import NotFound
from ocr_inference.tasks.connection import redis_connection
from ocr_inference.tasks.queue import create_celery_app
from ocr_inference.tasks.store import TaskStore


@dataclass
class TaskService:
    settings: Settings
    store: TaskStore
    celery: Celery

    @classmethod
    def from_settings(cls, settings: Settings) -> TaskService:
        store = TaskStore(
            redis_connection(settings, timeout_s=3.0),
            result_ttl_s=settings.result_ttl_s,
            blob_ttl_s=settings.blob_ttl_s,
        )
        return cls(settings, store, create_celery_app(settings))

    def known(self, task_id: str, owner: str | None) -> TaskStore:
        """The store, once ``task_id`` is known to it and visible to ``owner``.

        Raises:
            NotFound: the id is unknown or expired or, alike, another API key's.
        """
        if not self.store.visible(task_id, owner):
            raise NotFound("Unknown or expired task id.")
        return self.store

    def close(self) -> None:
        self.store.client.close()
        self.celery.close()
