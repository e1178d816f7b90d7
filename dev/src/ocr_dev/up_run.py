"""``ocr-inference up`` with every worker process killed mid-work (``kill -9``, as the
kernel's OOM killer does): the integration test's scenario and the benchmark's figure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ocr_dev.cluster import wait_all
from ocr_dev.service import Service
from ocr_dev.workload import document, result_problems
from ocr_inference.local.launcher import free_port, wait_ready


@dataclass
class UpRun:
    """What one run saw."""

    documents: int
    killed: list[int]  # pids of the worker processes killed
    seconds_to_last_success: float  # from the kill to the last document's SUCCESS
    problems: dict[str, list[str]]
    health_failures: list[str] = field(default_factory=list)  # /health answers other than 200
    log: str = ""


def worker_pids(up: int) -> list[int]:
    """The worker processes (main and pool) that ``up`` (pid) started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            if b"worker" in cmdline and _descends(int(entry.name), up):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _descends(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return False


def kill_workers_under_up(work_dir: Path, documents: int = 4, pages: int = 2) -> UpRun:
    """Run ``up`` (embedded server) in ``work_dir``, submit ``documents`` documents of
    ``pages`` pages, ``kill -9`` every worker process once they run, and wait for them."""
    port = free_port()
    env = {
        key: value for key, value in os.environ.items() if key != "REDIS_URL" and key != "OCR_PORT"
    }
    env.update({"OCR_PORT": str(port), "OCR_DATA_DIR": str(work_dir / "data")})
    env.update({"OCR_PIPELINE_CONFIG": "text-fast", "OCR_DEVICE": "cpu"})
    log = work_dir / "up.log"
    with log.open("wb") as handle:
        up = subprocess.Popen(
            [sys.executable, "-m", "ocr_inference", "up"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url, [up], None, timeout_s=240)
        return _run(up, base_url, documents, pages, log)
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()


def _run(up: subprocess.Popen[bytes], base_url: str, count: int, pages: int, log: Path) -> UpRun:
    service = Service(base_url, "", up, log.parent)  # only its HTTP side is used
    tasks = {service.submit(document(pages, k), name="doc.tiff"): k for k in range(count)}
    _wait_running(service, tasks)
    watching, failures = threading.Event(), list[str]()
    watcher = threading.Thread(target=_watch_health, args=(base_url, watching, failures))
    watcher.start()
    killed = worker_pids(up.pid)
    killed_at = time.monotonic()
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    ended = wait_all(service, tasks, timeout_s=600)
    seconds = time.monotonic() - killed_at
    watching.set()
    watcher.join()
    problems = {t: p for t, b in ended.items() if (p := result_problems(b, pages, tasks[t]))}
    return UpRun(count, killed, seconds, problems, failures, log.read_text(errors="replace"))


def _wait_running(service: Service, tasks: dict[str, Any], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(service.status(t)["status"] == "STARTED" for t in tasks):
            return
        time.sleep(0.1)
    raise AssertionError("no document started")


def _watch_health(base_url: str, stop: threading.Event, failures: list[str]) -> None:
    while not stop.is_set():
        try:
            status = httpx.get(f"{base_url}/health", timeout=5).status_code
            if status != 200:
                failures.append(str(status))
        except httpx.HTTPError as exc:
            failures.append(type(exc).__name__)
        stop.wait(0.25)
