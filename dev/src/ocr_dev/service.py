"""The integration tests' handle on the service that ``tests/integration/conftest.py``
starts (with ``ocr_inference.local.launcher``): a client of its API and its Redis, and its
worker's pool."""

from __future__ import annotations

import subprocess
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
