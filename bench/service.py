"""A whole service started for a benchmark: an embedded Redis-compatible server, one
``ocr-inference worker`` and the API, on loopback ports, with their logs in a directory.
Imported by the scripts in ``bench/`` as ``service``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

from ocr_inference.processes import stop_all
from ocr_inference.redis_server import EmbeddedRedis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_service(
    work_dir: Path, *, concurrency: int = 1, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start everything, wait until a worker has its models loaded, yield the API's URL."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedRedis(work_dir / "redis", port=free_port()) as redis:
        port = free_port()
        environ = {
            **os.environ,
            "REDIS_URL": redis.url,
            "OCR_PORT": str(port),
            "OCR_LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        command = [sys.executable, "-m", "ocr_inference"]
        logs = {name: (work_dir / f"{name}.log").open("wb") for name in ("worker", "api")}
        worker = subprocess.Popen(
            [*command, "worker", "--concurrency", str(concurrency)],
            env=environ,
            stdout=logs["worker"],
            stderr=subprocess.STDOUT,
        )
        api = subprocess.Popen(
            [*command, "serve"], env=environ, stdout=logs["api"], stderr=subprocess.STDOUT
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base_url, redis.url, concurrency, [worker, api], work_dir)
            yield base_url
        finally:
            stop_all([api, worker])
            for handle in logs.values():
                handle.close()


def _wait_ready(
    base_url: str,
    redis_url: str,
    processes: int,
    children: list[subprocess.Popen[bytes]],
    work_dir: Path,
) -> None:
    """Until the API answers and ``processes`` worker processes have loaded their models."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise RuntimeError(f"a service process exited early; see the logs in {work_dir}")
        beats = [client.get(key) for key in client.scan_iter("ocr:worker:*")]
        loaded = sum(1 for beat in beats if beat and json.loads(beat)["models_loaded"])
        try:
            if loaded >= processes and httpx.get(f"{base_url}/health", timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the service did not become ready in 300 s; see the logs in {work_dir}")
