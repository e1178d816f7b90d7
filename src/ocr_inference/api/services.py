"""What the API process holds for its lifetime: settings, the Redis store, the Celery app
and the API keys."""

from __future__ import annotations

from dataclasses import dataclass

from celery import Celery

from ocr_inference.api.auth import ApiKeys
from ocr_inference.config import Settings
from ocr_inference.tasks.queue import create_celery_app
from ocr_inference.tasks.store import TaskStore, redis_client


@dataclass
class Services:
    settings: Settings
    store: TaskStore
    celery: Celery
    keys: ApiKeys

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        store = TaskStore(
            redis_client(settings.redis_url, timeout_s=3.0),
            result_ttl_s=settings.result_ttl_s,
            blob_ttl_s=settings.blob_ttl_s,
        )
        keys = ApiKeys(key.get_secret_value() for key in settings.all_api_keys)
        return cls(settings, store, create_celery_app(settings), keys)

    def close(self) -> None:
        self.store.client.close()
        self.celery.close()
