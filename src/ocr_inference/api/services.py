"""What the API process holds for its lifetime: settings, the Redis store, the Celery app."""

from __future__ import annotations

from dataclasses import dataclass

from celery import Celery

from ocr_inference.config import Settings
from ocr_inference.storage import TaskStore, redis_client
from ocr_inference.worker.celery_app import create_celery_app


@dataclass
class Services:
    settings: Settings
    store: TaskStore
    celery: Celery

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        store = TaskStore(
            redis_client(settings.redis_url, timeout_s=3.0),
            result_ttl_s=settings.result_ttl_s,
            blob_ttl_s=settings.blob_ttl_s,
        )
        return cls(settings, store, create_celery_app(settings))

    def close(self) -> None:
        self.store.client.close()
        self.celery.close()
