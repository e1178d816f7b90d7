"""What the API process holds for its lifetime: the task service, the API keys, and the
asyncio Redis client of the event streams with their leases."""

from __future__ import annotations

from dataclasses import dataclass, field

from ocr_inference.api.auth import ApiKeys
from ocr_inference.api.event_stream import LEASES_PER_KEEPALIVE
from ocr_inference.config import Settings
from ocr_inference.tasks.connection import async_redis_connection
from ocr_inference.tasks.events import StreamLeases
from ocr_inference.tasks.service import TaskService


@dataclass
class Services(TaskService):
    keys: ApiKeys = field(default_factory=lambda: ApiKeys([]))
    leases: StreamLeases | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        tasks = TaskService.from_settings(settings)
        keys = ApiKeys(key.get_secret_value() for key in settings.all_api_keys)
        leases = StreamLeases(
            async_redis_connection(settings, timeout_s=3.0),
            cap=settings.events_max_streams,
            lease_s=settings.events_keepalive_s * LEASES_PER_KEEPALIVE,
        )
        return cls(tasks.settings, tasks.store, tasks.celery, keys, leases)

    @property
    def streams(self) -> StreamLeases:
        if self.leases is None:
            raise RuntimeError("the API's services were built without event streams")
        return self.leases

    async def aclose(self) -> None:
        """Close the event streams' client (``close`` closes the rest)."""
        if self.leases is not None:
            await self.leases.client.aclose()
