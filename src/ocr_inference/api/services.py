"""What the API process holds for its lifetime: the task service and the API keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from ocr_inference.api.auth import ApiKeys
from ocr_inference.config import Settings
from ocr_inference.tasks.service import TaskService


@dataclass
class Services(TaskService):
    keys: ApiKeys = field(default_factory=lambda: ApiKeys([]))

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        tasks = TaskService.from_settings(settings)
        keys = ApiKeys(key.get_secret_value() for key in settings.all_api_keys)
        return cls(tasks.settings, tasks.store, tasks.celery, keys)
