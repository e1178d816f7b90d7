"""A service on this machine whose parts can be killed and restarted one by one: a
Redis-compatible server with AOF on, worker processes (with the fault of
``ocr_dev.faulty_worker``) and the API process. Used by the fault-injection tests and
by ``bench/reliability.py``."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from ocr_dev.service import Service
from ocr_inference.local.launcher import free_port, log_tails, start_process, wait_ready
from ocr_inference.local.processes import stop_all
from ocr_inference.local.redis_server import EmbeddedRedis

ENDED = {"SUCCESS", "FAILURE"}


class Cluster:
    """Start with ``with Cluster(work_dir, {"OCR_...": ...}) as cluster:``; the API and one
    worker are ready when the block begins."""

    def __init__(
        self, work_dir: Path, settings: dict[str, str] | None = None, concurrency: int = 1
    ) -> None:
        self.work_dir = work_dir
        self.concurrency = concurrency
        self.redis = EmbeddedRedis(work_dir / "redis", port=free_port())
        self.port = free_port()
        self.env = {
            **os.environ,
            "REDIS_URL": self.redis.url,
            "OCR_PORT": str(self.port),
            "OCR_DEVICE": "cpu",
            **(settings or {}),
        }
        self.workers: list[subprocess.Popen[bytes]] = []
        self.api: subprocess.Popen[bytes] | None = None
        self._started = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service(self) -> Service:
        """A client of the API; its ``worker`` is the newest worker process."""
        return Service(self.base_url, self.redis.url, self.workers[-1], self.work_dir)

    def __enter__(self) -> Cluster:
        self.redis.start()
        try:
            processes = [self.start_api(), self.start_worker()]
            wait_ready(self.base_url, processes, self.work_dir)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, _: BaseException | None, __: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        stop_all([p for p in (self.api, *self.workers) if p is not None])
        self.redis.stop()

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        self._started += 1
        log = self.work_dir / f"{self._started:02d}-{name}.log"
        return start_process(args, self.env, log, module="ocr_dev.faulty_worker")

    def start_api(self) -> subprocess.Popen[bytes]:
        self.api = self._start("api", ["serve"])
        return self.api

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = self._start("worker", ["worker", "--concurrency", str(self.concurrency)])
        self.workers.append(worker)
        return worker

    def wait_api(self, timeout_s: float = 60) -> float:
        """Seconds until the API answers /health with 200."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the API did not answer /health with 200 in {timeout_s} s")

    def kill_redis(self) -> None:
        """Kill the server (SIGKILL: no shutdown, only what its AOF already holds survives)."""
        assert self.redis.process is not None
        self.kill(self.redis.process)

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        process.send_signal(sig)
        process.wait(timeout=120)

    def kill_pid(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def logs(self) -> str:
        return log_tails(self.work_dir)


def wait_all(
    service: Service, task_ids: Iterable[str], timeout_s: float
) -> dict[str, dict[str, Any]]:
    """The final status of every task, polling until all have ended. A 503 (Redis
    unreachable, as for a moment during a failover) is waited out, as clients do."""
    waiting, ended = set(task_ids), {}
    deadline = time.monotonic() + timeout_s
    while waiting:
        for task_id in list(waiting):
            answer = httpx.get(f"{service.base_url}/api/v1/ocr/results/{task_id}", timeout=30)
            if answer.status_code == 503:
                break
            assert answer.status_code == 200, answer.text
            body = answer.json()
            if body["status"] in ENDED:
                ended[task_id] = body
                waiting.discard(task_id)
        if waiting and time.monotonic() > deadline:
            states = {t: service.status(t)["status"] for t in waiting}
            raise AssertionError(
                f"{len(waiting)} tasks had not ended after {timeout_s} s: {states}"
            )
        time.sleep(0.5)
    return ended
