"""One scenario of ``bench/reliability.py``: a service, the tasks sent to it, the faults
injected, what was observed while it ran, and the report row it sums up to.

``scenario()`` starts the service, watches every task to its end (from the result
backend) and samples the worker processes' memory; ``summarise()`` checks each task's
result and counts the work done again.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from ocr_dev.cluster import Cluster
from ocr_dev.service import pool_children
from ocr_dev.workload import document, result_problems, workload

TIME_LIMIT_S = 20  # so the broker's visibility timeout is 80 s
BASE_SETTINGS = {
    "OCR_PAGES_PER_TASK": "2",
    "OCR_TASK_TIME_LIMIT_S": str(TIME_LIMIT_S),
    "OCR_LOG_LEVEL": "WARNING",
}
ENDED = {"SUCCESS", "FAILURE"}


@dataclass
class Task:
    pages: int = 1
    first: int = 0
    expected_code: str | None = None  # None: must succeed
    ended_at: float | None = None


@dataclass
class Run:
    """One scenario's tasks, faults and observations."""

    name: str
    cluster: Cluster
    tasks: dict[str, Task] = field(default_factory=dict)
    faults: list[tuple[float, set[str]]] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    row: Row | None = None
    # the URL of the server holding the data now (under Sentinel: the current primary)
    primary_url: Callable[[], str] | None = None
    settle_until: float = 0.0  # a monotonic time to wait for before summing up

    def redis_url(self) -> str:
        return self.primary_url() if self.primary_url else self.cluster.redis.url

    def submit(self, data: bytes, task: Task) -> str:
        task_id = self.cluster.service.submit(data)
        self.tasks[task_id] = task
        return task_id

    def submit_workload(self, count: int, seed: int) -> None:
        for pages, first in workload(count, max_pages=4, seed=seed):
            self.submit(document(pages, first), Task(pages, first))

    def fault(self, description: str) -> None:
        """Note a fault injected now, and the tasks running at that moment."""
        self.injected.append(description)
        self.faults.append((time.monotonic(), self.running()))

    def running(self) -> set[str]:
        states = self._states(list(self.tasks))
        return {task_id for task_id, state in states.items() if state == "STARTED"}

    def _states(self, task_ids: list[str]) -> dict[str, str]:
        try:
            url = self.redis_url()
        except (redis.RedisError, AssertionError):  # no Sentinel names a primary yet
            return {}
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            raw = client.mget([f"celery-task-meta-{t}" for t in task_ids]) if task_ids else []
        except redis.RedisError:
            return {}
        finally:
            client.close()
        return {
            t: json.loads(v)["status"] if v else "PENDING"
            for t, v in zip(task_ids, raw, strict=True)
        }

    def watch(self, stop: threading.Event) -> None:
        """Note when each task ends, from the result backend, until ``stop``."""
        while not stop.is_set():
            waiting = [t for t, task in list(self.tasks.items()) if task.ended_at is None]
            now = time.monotonic()
            for task_id, state in self._states(waiting).items():
                if state in ENDED:
                    self.tasks[task_id].ended_at = now
            stop.wait(0.25)

    def sample_rss(self, stop: threading.Event) -> None:
        while not stop.is_set():
            for worker in self.cluster.workers:
                for pid in [worker.pid, *pool_children(worker)]:
                    self.peak_rss_mb = max(self.peak_rss_mb, rss_mb(pid))
            stop.wait(0.25)

    def wait_all(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while any(task.ended_at is None for task in list(self.tasks.values())):
            if time.monotonic() > deadline:
                return  # the unfinished count as lost
            time.sleep(0.5)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


@contextmanager
def scenario(name: str, work_dir: Path, settings: dict[str, str]) -> Iterator[Run]:
    print(f"-- {name}", flush=True)
    directory = work_dir / name.replace(" ", "-")
    with (
        Cluster(directory, {**BASE_SETTINGS, **settings}, 2) as cluster,
        observed(Run(name, cluster)) as run,
    ):
        yield run


@contextmanager
def observed(run: Run, timeout_s: float = 900) -> Iterator[Run]:
    """Watch ``run``'s tasks while the block runs, then wait until every one has ended (or
    ``timeout_s`` has passed) and ``run.settle_until``, and sum the run up in ``run.row``."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=run.watch, args=(stop,), daemon=True),
        threading.Thread(target=run.sample_rss, args=(stop,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        yield run
        run.wait_all(timeout_s=timeout_s)
        time.sleep(max(0.0, run.settle_until - time.monotonic()))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    run.row = summarise(run)


@dataclass
class Row:
    scenario: str
    injected: str
    submitted: int
    succeeded: int
    failed_right: int
    lost: int
    wrong: int
    duplicate_results: int
    redeliveries: int
    worst_recovery_s: float | None
    peak_rss_mb: float


def summarise(run: Run) -> Row:
    service = run.cluster.service
    succeeded = failed_right = lost = wrong = duplicates = 0
    for task_id, task in run.tasks.items():
        if task.ended_at is None:
            lost += 1
            continue
        body = service.status(task_id)
        if task.expected_code is None:
            problems = result_problems(body, task.pages, task.first)
            succeeded += not problems
            wrong += bool(problems)
            if problems:
                print(f"   {task_id}: {problems}", flush=True)
            if body["status"] == "SUCCESS":
                numbers = [page["page_number"] for page in body["result"]["pages"]]
                duplicates += len(numbers) != len(set(numbers))
        elif body["status"] == "FAILURE" and body["result"]["code"] == task.expected_code:
            failed_right += 1
        else:
            wrong += 1
            print(f"   {task_id}: expected {task.expected_code}, got {body}", flush=True)
    client = redis.Redis.from_url(run.redis_url(), decode_responses=True)
    attempts = [int(v) for v in client.mget(list(client.scan_iter("ocr:attempts:*"))) if v]
    recoveries = [
        max((run.tasks[t].ended_at or float("inf")) for t in running) - at
        for at, running in run.faults
        if running
    ]
    return Row(
        run.name,
        ", ".join(f"{n} × {what}" if n > 1 else what for what, n in Counter(run.injected).items())
        or "none",
        len(run.tasks),
        succeeded,
        failed_right,
        lost,
        wrong,
        duplicates,
        sum(max(a - 1, 0) for a in attempts),
        max(recoveries) if recoveries else None,
        run.peak_rss_mb,
    )
