"""How every process reaches Redis: one server (``redis://``, ``rediss://``, ``unix://``)
or the primary that Redis Sentinel names (``sentinel://host:26379;sentinel://host2:26379``,
kombu's and Celery's own form), so that the task store, the broker and the result backend
all follow a failover.

``parse_sentinels`` is the one place that reads a Sentinel URL; ``redis_connection`` and
``celery_transport_options`` build on it.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from ocr_inference.config import Settings
from ocr_inference.tasks.keys import redis_client

SCHEME = "sentinel"
DEFAULT_PORT = 26379
REPLICATED_CHANNEL = "ocr:replicated"  # a channel, not a key; nothing subscribes to it
# How long a worker's calls keep asking the Sentinels for a primary that answers: it must
# outlast their down-after-milliseconds (30 s by default) and an election, so that a task
# running through a failover goes on instead of failing.
WORKER_FAILOVER_S = 45.0


@dataclass(frozen=True)
class Sentinels:
    """What a ``sentinel://`` URL names: the Sentinels, the database on the primary, and
    the primary's credentials (given once, on any of the Sentinels' URLs)."""

    hosts: tuple[tuple[str, int], ...]
    db: int = 0
    username: str | None = None
    password: str | None = None


def is_sentinel_url(url: str) -> bool:
    return url.strip().lower().startswith(f"{SCHEME}://")


def parse_sentinels(url: str) -> Sentinels:
    """The Sentinels of ``sentinel://[user:password@]host[:port][/db];sentinel://...``.

    Raises:
        ValueError: a part is not a ``sentinel://`` URL with a host, or the database
            is not a number; the message names the part.
    """
    hosts: list[tuple[str, int]] = []
    db, username, password = 0, None, None
    for part in (chunk.strip() for chunk in url.split(";")):
        if not part:
            continue
        parsed = urlsplit(part)
        if parsed.scheme.lower() != SCHEME or not parsed.hostname:
            raise ValueError(f"not a sentinel://host:port URL: {_safe(part)!r}")
        try:
            port = parsed.port or DEFAULT_PORT
            path = parsed.path.strip("/")
            db = int(path) if path else db
        except ValueError:
            raise ValueError(f"bad port or database in {_safe(part)!r}") from None
        hosts.append((parsed.hostname, port))
        username = unquote(parsed.username) if parsed.username else username
        password = unquote(parsed.password) if parsed.password is not None else password
    if not hosts:
        raise ValueError("a Sentinel URL names no Sentinel")
    return Sentinels(tuple(hosts), db=db, username=username or None, password=password)


def redis_connection(
    settings: Settings, *, timeout_s: float = 5.0, failover_s: float = 0.0
) -> redis.Redis:
    """A client of ``settings.redis_url``'s server or, with Sentinels, of the primary they
    name now: it asks them again after a failed connection, so it follows a failover.
    Calls fail fast (``timeout_s``) when nothing answers; with no Sentinel answering, or
    none that monitors ``OCR_SENTINEL_MASTER``, with ``MasterNotFoundError`` naming it.
    With ``failover_s``, a call that finds no primary tries again, backing off up to 1 s,
    for about that long (a failover's length) before it fails."""
    if not is_sentinel_url(settings.redis_url):
        return redis_client(settings.redis_url, timeout_s=timeout_s)
    sentinels = parse_sentinels(settings.redis_url)
    timeouts = {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s}
    manager = Sentinel(  # type: ignore[no-untyped-call]
        list(sentinels.hosts),
        sentinel_kwargs={**timeouts, **_sentinel_auth(settings)},
        # the primary may take OCR_SENTINEL_WAIT_MS to answer a WAIT (``replicated``)
        socket_timeout=timeout_s + settings.sentinel_wait_ms / 1000,
        socket_connect_timeout=timeout_s,
    )
    primary: redis.Redis = manager.master_for(  # type: ignore[no-untyped-call]
        settings.sentinel_master,
        **_primary_options(settings, sentinels),
        **({"retry": _retry_for(failover_s)} if failover_s > 0 else {}),
    )
    return primary


def async_redis_connection(settings: Settings, *, timeout_s: float = 5.0) -> aioredis.Redis:
    """An asyncio client of the same server or Sentinel primary as ``redis_connection``,
    for the API's event streams, which wait without holding a thread."""
    if not is_sentinel_url(settings.redis_url):
        return aioredis.Redis.from_url(
            settings.redis_url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            health_check_interval=30,
        )
    sentinels = parse_sentinels(settings.redis_url)
    timeouts: dict[str, Any] = {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s}
    manager = AsyncSentinel(  # type: ignore[no-untyped-call]
        list(sentinels.hosts), sentinel_kwargs={**timeouts, **_sentinel_auth(settings)}, **timeouts
    )
    primary: aioredis.Redis = manager.master_for(
        settings.sentinel_master, **_primary_options(settings, sentinels)
    )
    return primary


def celery_transport_options(settings: Settings) -> dict[str, Any]:
    """Options of the broker and the result backend that a ``sentinel://`` URL needs
    (the primary's name, the Sentinels' own password and TLS); none for a plain URL."""
    if not is_sentinel_url(settings.redis_url):
        return {}
    return {"master_name": settings.sentinel_master, "sentinel_kwargs": _sentinel_auth(settings)}


def celery_tls(settings: Settings) -> dict[str, Any]:
    """``broker_use_ssl`` and ``redis_backend_use_ssl`` under Sentinel with TLS; none else."""
    if not (is_sentinel_url(settings.redis_url) and settings.sentinel_tls):
        return {}
    checked = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    return {"broker_use_ssl": checked, "redis_backend_use_ssl": dict(checked)}


def _primary_options(settings: Settings, sentinels: Sentinels) -> dict[str, Any]:
    """How the sync and the asyncio clients reach the primary the Sentinels name."""
    return {
        "db": sentinels.db,
        "username": sentinels.username,
        "password": sentinels.password,
        "health_check_interval": 30,
        **({"ssl": True} if settings.sentinel_tls else {}),
    }


def _retry_for(seconds: float) -> Retry:
    """Tries that back off 0.1, 0.2, 0.4, 0.8 s and then 1 s, for about ``seconds``."""
    return Retry(ExponentialBackoff(cap=1.0, base=0.1), retries=int(seconds) + 4)


def _sentinel_auth(settings: Settings) -> dict[str, Any]:
    """How to reach the Sentinels themselves: their password and TLS."""
    auth: dict[str, Any] = {}
    if settings.sentinel_password is not None:
        auth["password"] = settings.sentinel_password.get_secret_value()
    if settings.sentinel_tls:
        auth["ssl"] = True
    return auth


def _safe(part: str) -> str:
    """``part`` without its password, for a message."""
    parsed = urlsplit(part)
    if parsed.password is None:
        return part
    return part.replace(f":{parsed.password}@", ":***@", 1)


def replicated(client: redis.Redis, settings: Settings) -> bool:
    """Whether a replica holds this connection's writes so far: under Sentinel, ``WAIT 1``
    for up to ``OCR_SENTINEL_WAIT_MS`` (replication is asynchronous, so a write that only
    the primary holds is lost with it in a failover); always, with one server or no wait."""
    if settings.sentinel_wait_ms == 0 or not is_sentinel_url(settings.redis_url):
        return True
    # WAIT covers the writes of the connection it is sent on, and the pool may have made
    # the earlier ones on another: a PUBLISH (replicated, no key) on the same connection
    # comes after them in the replication stream, so WAIT for it covers them all.
    pipe = client.pipeline(transaction=False)
    pipe.publish(REPLICATED_CHANNEL, b"")
    pipe.wait(1, settings.sentinel_wait_ms)
    return int(pipe.execute()[-1]) >= 1
