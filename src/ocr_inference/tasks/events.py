"""A task's results as a stream of events, page by page, without HTTP: what the API's
``/results/{task_id}/events`` sends (``ocr_inference.api.event_stream`` writes it as
server-sent events).

Events, each with an ``id`` (the number of ``page`` events in the stream up to it):

- ``progress``: ``{"pages_done", "pages_total"}`` whenever it changes while the task runs;
- ``page``: one page's ``PageResult``, once per page, as soon as a worker has finished it
  (split document or not), in the order the workers finished them;
- ``end``: ``StreamEnd``, the task's status, with ``error`` and ``code`` on failure; last;
- ``error``: ``{"error", "code"}`` when the stream cannot go on (``unavailable``: Redis is
  unreachable; ``not_found``: the task was deleted or expired meanwhile); last.

While the task runs, pages come from those the workers keep in Redis
(``tasks.page_results``): ``ocr:pages:{id}`` lists their numbers in the order they were
kept, which is the order of the stream, so a stream that starts after ``n`` pages (a
client's ``Last-Event-ID``) reads the list from position ``n``. Once the task has ended,
pages come from its result, in the same order (the list is kept as long as the result),
followed by those never kept (over the size bound, or lost to a fault), in page order.
Either way a page is sent once, and a resumed stream neither repeats nor skips pages.

The stream waits by polling, every ``poll_s``, with one Redis round trip: no thread is held
while it waits; the task's final status (Celery's result) is read in a thread when the task
shows signs of having ended, and every ``check_s`` in case it ended without them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis
from kombu.exceptions import OperationalError

from ocr_inference.errors import NotFound, ServiceUnavailable, TooManyStreams
from ocr_inference.exports.pages import select_page
from ocr_inference.schemas import DocumentResult, ErrorResult, PageResult, StreamEnd, TaskStatus
from ocr_inference.tasks.keys import key

PROGRESS, PAGE, END, ERROR = "progress", "page", "end", "error"
UNREACHABLE = "Redis is unreachable; the stream ends here. Reconnect with Last-Event-ID."
_ENDED = ("SUCCESS", "FAILURE")
MAX_EVENT_ID = 10**9  # far beyond any document's pages
_ID_DIGITS = 10


@dataclass(frozen=True)
class Event:
    """One event: its name, its id and its data (JSON)."""

    name: str
    id: int
    data: str


@dataclass(frozen=True)
class StreamTimes:
    poll_s: float
    keepalive_s: float  # a ``None`` (a keep-alive) is yielded this often
    check_s: float  # the final status is read at least this often


FinalStatus = Callable[[], Awaitable[TaskStatus]]


def parse_last_event_id(value: str | None) -> int:
    """The pages a client has already received, from its ``Last-Event-ID``; 0 (from the
    beginning) for one that is missing or is not a whole number from 0 to ``MAX_EVENT_ID``."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or int(text[: _ID_DIGITS + 1]) > MAX_EVENT_ID:
        return 0
    return int(text)


@dataclass(frozen=True)
class _Snapshot:
    known: bool
    ended: bool
    progress: tuple[int, int] | None
    pages: list[bytes | None]  # from the stream's position on; None: no longer kept


class EventReader:
    """What a stream reads of a task in Redis, one round trip per look."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    async def snapshot(self, task_id: str, start: int) -> _Snapshot:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.exists(key("task", task_id))
            pipe.hget(key("task", task_id), "ended")
            pipe.exists(key("cancelled", task_id))
            pipe.hmget(key("progress", task_id), ["done", "total"])
            pipe.lrange(key("pages", task_id), start, -1)
            known, ended, cancelled, (done, total), numbers = await pipe.execute()
        pages: list[bytes | None] = []
        if numbers:
            found = await self.client.hmget(key("page", task_id), numbers)
            pages = [
                value if isinstance(value, bytes | None) else value.encode() for value in found
            ]
        progress = None if done is None or total is None else (int(done), int(total))
        return _Snapshot(bool(known), bool(ended or cancelled), progress, pages)

    async def order(self, task_id: str) -> list[int]:
        return [int(n) for n in await self.client.lrange(key("pages", task_id), 0, -1)]


async def task_events(
    reader: EventReader, task_id: str, final: FinalStatus, start: int, times: StreamTimes
) -> AsyncIterator[Event | None]:
    """The events of ``task_id`` after the first ``start`` pages, until its ``end``;
    ``None`` stands for a keep-alive. ``final`` reads the task's status."""
    sent, progress = start, None
    beat_at = checked_at = time.monotonic()
    try:
        while True:
            snap = await reader.snapshot(task_id, sent)
            if not snap.known:
                yield _error(sent, NotFound.code, "The task was deleted or has expired.")
                return
            for data in snap.pages:
                if data is None:  # the task ended meanwhile: the rest comes from its result
                    break
                sent += 1
                yield Event(PAGE, sent, data.decode())
            if snap.progress is not None and snap.progress != progress:
                progress = snap.progress
                yield _progress(sent, *progress)
            now = time.monotonic()
            if snap.ended or now - checked_at >= times.check_s:
                checked_at = now
                status = await final()
                if status.status in _ENDED:
                    async for event in _ending(reader, task_id, status, sent):
                        yield event
                    return
            if now - beat_at >= times.keepalive_s:
                beat_at = now
                yield None
            await asyncio.sleep(times.poll_s)
    except (redis.RedisError, OperationalError, OSError):
        yield _error(sent, ServiceUnavailable.code, UNREACHABLE)


async def _ending(
    reader: EventReader, task_id: str, status: TaskStatus, sent: int
) -> AsyncIterator[Event]:
    """The pages of an ended task's result not sent yet, then its ``end``."""
    result = status.result
    if not isinstance(result, DocumentResult):
        error = result if isinstance(result, ErrorResult) else None
        end = StreamEnd(
            status=status.status,
            error=error.error if error else None,
            code=error.code if error else None,
        )
        yield Event(END, sent, end.model_dump_json())
        return
    numbers = [page.page_number for page in result.pages]
    in_result = set(numbers)
    kept = [n for n in dict.fromkeys(await reader.order(task_id)) if n in in_result]
    seen = set(kept)
    sequence = kept + [n for n in numbers if n not in seen]
    for position in range(sent, len(sequence)):
        yield Event(PAGE, position + 1, page_of(result, sequence[position]).model_dump_json())
    yield Event(END, max(sent, len(sequence)), StreamEnd(status="SUCCESS").model_dump_json())


def page_of(result: DocumentResult, page_number: int) -> PageResult:
    """Page ``page_number``'s part of ``result`` (one of its pages), as a page event's."""
    part = select_page(result, page_number)
    if part is None:
        raise ValueError(f"page {page_number} is not in the result")
    return PageResult(
        page=part.pages[0],
        detections=part.detections,
        layout=part.layout,
        tables=part.tables,
        markdown=part.markdown,
    )


def _progress(sent: int, done: int, total: int) -> Event:
    body = {"pages_done": min(done, total), "pages_total": total}
    return Event(PROGRESS, sent, json.dumps(body))


def _error(sent: int, code: str, message: str) -> Event:
    return Event(ERROR, sent, json.dumps({"error": message, "code": code}))


# KEYS: the owner's streams; ARGV: now, lease end, cap, lease id, ttl (s)
_OPEN_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class StreamLeases:
    """The streams open per API key, across API processes: each holds a lease that it
    renews while it runs and gives back when it ends; a lease not renewed runs out, so a
    stream of an API process that died stops counting."""

    def __init__(self, client: aioredis.Redis, *, cap: int, lease_s: int) -> None:
        self.client = client
        self.cap = cap
        self.lease_s = lease_s

    async def open(self, owner: str | None, lease: str) -> None:
        """Take a lease named ``lease`` for ``owner`` (None: keys are off).

        Raises:
            TooManyStreams: ``owner`` already has ``cap`` streams open.
        """
        now = time.time()
        taken = await self.client.eval(
            _OPEN_SCRIPT, 1, _name(owner), now, now + self.lease_s, self.cap, lease, self.lease_s
        )
        if not taken:
            raise TooManyStreams(
                f"This API key has {self.cap} event streams open; close one or poll instead."
            )

    async def renew(self, owner: str | None, lease: str) -> None:
        name = _name(owner)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zadd(name, {lease: time.time() + self.lease_s}, xx=True)
            pipe.expire(name, self.lease_s)
            await pipe.execute()

    async def close(self, owner: str | None, lease: str) -> None:
        await self.client.zrem(_name(owner), lease)

    async def count(self, owner: str | None) -> int:
        """The streams ``owner`` has open now."""
        name = _name(owner)
        await self.client.zremrangebyscore(name, "-inf", time.time())
        return int(await self.client.zcard(name))


def _name(owner: str | None) -> str:
    return key("streams", owner or "-")
