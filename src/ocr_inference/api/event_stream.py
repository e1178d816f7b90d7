"""A task's events (``ocr_inference.tasks.events``) as server-sent events: the response,
its keep-alive comments, and the stream's lease, given back however the stream ends."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

import anyio
import redis
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from ocr_inference.schemas import TaskStatus
from ocr_inference.tasks.events import (
    Event,
    EventReader,
    StreamTimes,
    parse_last_event_id,
    task_events,
)
from ocr_inference.tasks.status import final_status

if TYPE_CHECKING:
    from ocr_inference.api.services import Services

log = logging.getLogger("ocr_inference.api")

MEDIA_TYPE = "text/event-stream"
KEEPALIVE = b": keep-alive\n\n"
LEASES_PER_KEEPALIVE = 4  # a stream's lease outlasts this many keep-alives


class EventStreamResponse(StreamingResponse):
    """Server-sent events that are never buffered by a proxy, and whose ``on_close`` runs
    however the stream ends: finished, failed, or cut by the client (then the events'
    generator is cancelled at its next wait, and nothing of it keeps running)."""

    media_type = MEDIA_TYPE

    def __init__(
        self, events: AsyncIterator[Event | None], on_close: Callable[[], Awaitable[None]]
    ) -> None:
        self._events = events
        self._on_close = on_close
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        super().__init__(_encoded(events), media_type=MEDIA_TYPE, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self._events.aclose()  # type: ignore[attr-defined]
                try:
                    await self._on_close()
                except redis.RedisError as exc:  # the lease runs out by itself
                    log.warning("event stream lease not given back: %s", exc)


def encode(event: Event | None) -> bytes:
    """One event in the ``text/event-stream`` format; ``None`` is a keep-alive comment."""
    if event is None:
        return KEEPALIVE
    return f"id: {event.id}\nevent: {event.name}\ndata: {event.data}\n\n".encode()


async def _encoded(events: AsyncIterator[Event | None]) -> AsyncIterator[bytes]:
    async for event in events:
        yield encode(event)


async def open_events(
    services: Services, task_id: str, owner: str | None, last_event_id: str | None
) -> EventStreamResponse:
    """The event stream of ``task_id`` for ``owner``, from after the ``Last-Event-ID``.

    Raises:
        NotFound: the id is unknown, expired or another API key's.
        TooManyStreams: ``owner`` has ``OCR_EVENTS_MAX_STREAMS`` streams open.
    """
    await run_in_threadpool(services.known, task_id, owner)
    settings = services.settings
    leases = services.streams
    lease = uuid.uuid4().hex
    await leases.open(owner, lease)

    async def final() -> TaskStatus:
        return await run_in_threadpool(final_status, services, task_id)

    times = StreamTimes(
        poll_s=settings.events_poll_ms / 1000,
        keepalive_s=settings.events_keepalive_s,
        check_s=settings.events_keepalive_s,
    )
    events = task_events(
        EventReader(leases.client), task_id, final, parse_last_event_id(last_event_id), times
    )
    renew = partial(leases.renew, owner, lease)
    return EventStreamResponse(_renewing(events, renew), partial(leases.close, owner, lease))


async def _renewing(
    events: AsyncIterator[Event | None], renew: Callable[[], Awaitable[None]]
) -> AsyncIterator[Event | None]:
    """``events``, the stream's lease renewed at each keep-alive."""
    try:
        async for event in events:
            if event is None:
                try:
                    await renew()
                except redis.RedisError as exc:  # the events say so at their next look
                    log.warning("event stream lease not renewed: %s", exc)
            yield event
    finally:
        await events.aclose()  # type: ignore[attr-defined]
