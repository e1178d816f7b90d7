"""Fault injection at scale: many documents through a real service while its parts are
killed and restarted; every accepted task is followed to its end.

    python bench/reliability.py [--tasks 200] [--kills 20] [--write-docs docs/reliability.md]

Each scenario starts its own service (embedded Redis-compatible server with AOF, one
worker with two processes, the API) from ``tests/reliability/cluster.py``, with the
faults of ``tests/reliability/faulty_worker.py``. For every scenario it reports the
tasks submitted, those that succeeded with every page once and in order, those that
failed with the code expected of them, those lost (neither: must be 0), the deliveries
beyond a task's first (work done again), the longest recovery (from a fault until every
task that was running then has ended) and the peak resident memory of one worker
process.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import redis

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the fault-injection harness lives with the tests

from common import write_section  # noqa: E402
from hostile import CASES  # noqa: E402
from integration.service import pool_children  # noqa: E402
from reliability.cluster import Cluster  # noqa: E402
from reliability.faulty_worker import CRASH_MARKER, HANG_MARKER  # noqa: E402
from reliability.workload import (  # noqa: E402
    document,
    marked_document,
    result_problems,
    workload,
)

START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"
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
        client = redis.Redis.from_url(self.cluster.redis.url, socket_timeout=5)
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
            waiting = [t for t, task in self.tasks.items() if task.ended_at is None]
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
        while any(task.ended_at is None for task in self.tasks.values()):
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
    with Cluster(work_dir / name.replace(" ", "-"), {**BASE_SETTINGS, **settings}, 2) as cluster:
        run = Run(name, cluster)
        stop = threading.Event()
        threads = [
            threading.Thread(target=run.watch, args=(stop,), daemon=True),
            threading.Thread(target=run.sample_rss, args=(stop,), daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            yield run
            run.wait_all(timeout_s=900)
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
    client = service.redis()
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


def pool_kills(work_dir: Path, tasks: int, kills: int, rng: random.Random) -> Row:
    with scenario("pool processes killed", work_dir, {"OCR_MAX_ATTEMPTS": "5"}) as run:
        run.submit_workload(tasks, seed=11)
        worker = run.cluster.workers[-1]
        for _ in range(kills):
            time.sleep(rng.uniform(1, 4))
            children = pool_children(worker)
            if children:
                run.fault("kill -9 pool process")
                run.cluster.kill_pid(rng.choice(children))
    assert run.row is not None
    return run.row


def worker_kills(work_dir: Path, tasks: int, kills: int, rng: random.Random) -> Row:
    with scenario("workers killed", work_dir, {"OCR_MAX_ATTEMPTS": "5"}) as run:
        run.submit_workload(tasks, seed=12)
        for _ in range(kills):
            time.sleep(rng.uniform(4, 12))
            run.fault("kill -9 worker main process")
            run.cluster.kill(run.cluster.workers[-1])
            run.cluster.start_worker()
    assert run.row is not None
    return run.row


def redis_restart(work_dir: Path, tasks: int, probes: dict[str, float]) -> Row:
    # a task running across the outage must store its result within its time limit
    with scenario("Redis restarted", work_dir, {"OCR_TASK_TIME_LIMIT_S": "60"}) as run:
        run.submit_workload(tasks, seed=13)
        time.sleep(8)
        run.fault("kill -9 Redis, 5 s down, restart on its AOF")
        run.cluster.kill_redis()
        down_until = time.monotonic() + 5
        url = f"{run.cluster.base_url}/api/v1/ocr/results/{next(iter(run.tasks))}"
        while time.monotonic() < down_until:
            response = httpx.get(url, timeout=10)
            key = f"{response.status_code}" + (" Retry-After" * ("Retry-After" in response.headers))
            probes[key] = probes.get(key, 0) + 1
            time.sleep(0.2)
        run.cluster.redis.start()
        probes["recovered_after_s"] = round(run.cluster.wait_api(), 1)
    assert run.row is not None
    return run.row


def api_restart(work_dir: Path) -> Row:
    with scenario("API killed during uploads", work_dir, {}) as run:
        stop = threading.Event()
        data = document(1)

        def upload() -> None:
            while not stop.is_set():
                try:
                    run.submit(data, Task())
                except (httpx.HTTPError, AssertionError):
                    time.sleep(0.05)
                time.sleep(0.3)

        clients = [threading.Thread(target=upload) for _ in range(3)]
        for client in clients:
            client.start()
        time.sleep(4)
        run.fault("kill -9 API during uploads, restart")
        assert run.cluster.api is not None
        run.cluster.kill(run.cluster.api)
        run.cluster.start_api()
        run.cluster.wait_api()
        time.sleep(4)
        stop.set()
        for client in clients:
            client.join()
    assert run.row is not None
    return run.row


def poison_and_hang(work_dir: Path, tasks: int) -> Row:
    with scenario("poison and hanging documents", work_dir, {"OCR_MAX_ATTEMPTS": "3"}) as run:
        half = tasks // 2
        run.submit_workload(half, seed=14)
        run.injected.append("a document that kills its process every time")
        run.submit(marked_document(CRASH_MARKER), Task(expected_code="worker_lost"))
        run.injected.append("a document stuck past the hard time limit")
        run.submit(marked_document(HANG_MARKER), Task(expected_code="timeout"))
        run.submit_workload(tasks - half, seed=15)
    assert run.row is not None
    return run.row


def hostile_documents(work_dir: Path, tasks: int) -> Row:
    cases = [case for case in CASES if case.refused is not None and not case.at_upload]
    with scenario("hostile documents", work_dir, {}) as run:
        run.injected.append(f"{len(cases)} hostile documents (pixel bombs, 10,000 pages, ...)")
        for case in cases:
            assert case.refused is not None
            run.submit(case.build(), Task(expected_code=case.refused.code))
        run.submit_workload(tasks, seed=16)
    assert run.row is not None
    return run.row


def sigterm(work_dir: Path, tasks: int) -> Row:
    with scenario("worker stopped with SIGTERM", work_dir, {}) as run:
        run.submit_workload(tasks, seed=17)
        time.sleep(8)
        run.fault("SIGTERM to the worker, new worker once it has exited")
        worker = run.cluster.workers[-1]
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=TIME_LIMIT_S + 30)
        run.cluster.start_worker()
    assert run.row is not None
    return run.row


def table(rows: list[Row]) -> str:
    lines = [
        "| Scenario | Injected | Submitted | Succeeded | Failed with the right code | Lost "
        "| Wrong | Duplicate results | Re-deliveries | Worst recovery | Peak worker RSS |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        recovery = f"{r.worst_recovery_s:.1f} s" if r.worst_recovery_s is not None else "-"
        lines.append(
            f"| {r.scenario} | {r.injected} | {r.submitted} | {r.succeeded} | {r.failed_right} "
            f"| {r.lost} | {r.wrong} | {r.duplicate_results} | {r.redeliveries} | {recovery} "
            f"| {r.peak_rss_mb:,.0f} MB |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=200, help="documents in all scenarios")
    parser.add_argument("--kills", type=int, default=20, help="process kills in all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only", action="append", default=[], help="run only this scenario (repeatable)"
    )
    parser.add_argument("--write-docs", type=Path)
    args = parser.parse_args(argv)
    command = "python bench/reliability.py " + " ".join(argv if argv is not None else sys.argv[1:])
    rng = random.Random(args.seed)
    share = max(args.tasks // 6, 4)
    probes: dict[str, float] = {}
    started = time.monotonic()
    with TemporaryDirectory(prefix="ocr-reliability-") as tmp:
        work_dir = Path(tmp)
        steps: dict[str, Callable[[], Row]] = {
            "pool": lambda: pool_kills(work_dir, share, args.kills - args.kills // 4, rng),
            "worker": lambda: worker_kills(work_dir, share, args.kills // 4, rng),
            "redis": lambda: redis_restart(work_dir, share, probes),
            "api": lambda: api_restart(work_dir),
            "poison": lambda: poison_and_hang(work_dir, share),
            "hostile": lambda: hostile_documents(work_dir, share // 2),
            "sigterm": lambda: sigterm(work_dir, share // 2),
        }
        rows = []
        for name, step in steps.items():
            if args.only and name not in args.only:
                continue
            rows.append(step())
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    minutes = (time.monotonic() - started) / 60
    report = table(rows)
    lost = sum(r.lost + r.wrong for r in rows)
    print(report)
    print(f"API answers while Redis was down: {probes}")
    print(f"{minutes:.1f} min; lost or wrong: {lost}")
    if args.write_docs:
        section = "\n".join(
            [
                START,
                f"Measured with `{command}` on this machine "
                f"({time.strftime('%Y-%m-%d')}, {minutes:.0f} min in all), "
                f"`OCR_TASK_TIME_LIMIT_S={TIME_LIMIT_S}` (visibility timeout "
                f"{TIME_LIMIT_S + 60} s), `OCR_PAGES_PER_TASK=2`, one worker with two "
                "processes.",
                "",
                report,
                "",
                "API answers to `GET /api/v1/ocr/results/{id}` while Redis was down: "
                + ", ".join(f"{k}: {v:.0f}" for k, v in probes.items() if k != "recovered_after_s")
                + f"; the API answered 200 again {probes.get('recovered_after_s')} s after "
                "the server was back.",
                END,
            ]
        )
        write_section(args.write_docs, START, END, section)
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
