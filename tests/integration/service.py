"""A whole service for the integration tests: a Redis-compatible server, a worker process
and the API process, and a client for them."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis

MAX_UPLOAD_MB = 4
MAX_PAGES = 20
MAX_ATTEMPTS = 3
WEBHOOK_SECRET = "integration-webhook-secret"


@dataclass
class Service:
    base_url: str
    redis_url: str
    worker: subprocess.Popen[bytes]
    log_dir: Path

    def submit(self, data: bytes, name: str = "upload.bin", **form: str) -> str:
        """The task id of an accepted upload; ``form`` holds options such as ``pages``."""
        response = httpx.post(
            f"{self.base_url}/api/v1/ocr/process",
            files={"file": (name, data)},
            data=form,
            timeout=30,
        )
        assert response.status_code == 202, response.text
        return str(response.json()["task_id"])

    def status(self, task_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.base_url}/api/v1/ocr/results/{task_id}", timeout=30)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait(self, task_id: str, timeout_s: float = 120) -> dict[str, Any]:
        """Poll until the task ends (SUCCESS or FAILURE) or the timeout passes."""
        return self.wait_for(task_id, {"SUCCESS", "FAILURE"}, timeout_s, interval_s=0.2)

    def wait_for(
        self, task_id: str, states: set[str], timeout_s: float = 60, interval_s: float = 0.05
    ) -> dict[str, Any]:
        """Poll until the task is in one of ``states``; fail with its last status if not."""
        deadline = time.monotonic() + timeout_s
        while True:
            body = self.status(task_id)
            if body["status"] in states:
                return body
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"task {task_id} still {body['status']} after {timeout_s} s, not in {states}"
                )
            time.sleep(interval_s)

    def pool_children(self) -> list[int]:
        return pool_children(self.worker)

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, decode_responses=True)


def pool_children(worker: subprocess.Popen[bytes]) -> list[int]:
    """Pids of a worker's pool processes; none once the worker has exited."""
    path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    try:
        return [int(pid) for pid in path.read_text().split()]
    except FileNotFoundError:
        return []


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "ocr_inference", *args],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def wait_ready(base_url: str, processes: list[subprocess.Popen[bytes]], log_dir: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                logs = "\n".join(p.read_text()[-3000:] for p in log_dir.glob("*.log"))
                raise RuntimeError(f"a service process exited early:\n{logs}")
        try:
            health = httpx.get(f"{base_url}/health", timeout=2).json()
            if health["workers"] >= 1 and health["models_loaded"]:
                return
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not become ready in 180 s")
