"""A whole service started for a benchmark: an embedded Redis-compatible server, one
``ocr-inference worker`` and the API, on loopback ports, with their logs in a directory.
Imported by the scripts in ``bench/`` as ``service``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import redis

from ocr_inference.local.launcher import free_port, local_service
from ocr_inference.local.redis_server import EmbeddedRedis


@contextmanager
def running_service(
    work_dir: Path, *, concurrency: int = 1, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start everything, wait until ``concurrency`` worker processes have loaded their
    models, yield the API's URL."""
    with service_and_redis(work_dir, concurrency=concurrency, env=env) as (base_url, _):
        yield base_url


@contextmanager
def service_and_redis(
    work_dir: Path, *, concurrency: int = 1, env: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """``running_service``, yielding the API's URL and the Redis server's."""
    work_dir.mkdir(parents=True, exist_ok=True)
    server = EmbeddedRedis(work_dir / "redis", port=free_port())
    with local_service(
        server,
        port=free_port(),
        env={"OCR_LOG_LEVEL": "WARNING", **(env or {})},
        log_dir=work_dir,
        concurrency=concurrency,
    ) as running:
        with closing(redis.Redis.from_url(server.url)) as client:
            running.wait_ready(timeout_s=300, until=_models_loaded(client, concurrency))
        yield running.base_url, server.url


def _models_loaded(client: redis.Redis, processes: int) -> Callable[[], bool]:
    """Whether ``processes`` worker processes beat with their models loaded (``/health``
    tells only whether one has)."""

    def loaded() -> bool:
        beats = [client.get(key) for key in client.scan_iter("ocr:worker:*")]
        return sum(1 for beat in beats if beat and json.loads(beat)["models_loaded"]) >= processes

    return loaded
