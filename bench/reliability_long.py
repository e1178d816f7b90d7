"""The long chaos run of ``bench/reliability.py`` (``--documents N``): one service on Redis
Sentinel (``ocr_dev.sentinel``: a primary, a replica and three Sentinels; the API and the
worker are given only the Sentinels' URL) takes ``N`` small documents, sent a few at a time
for as long as the run lasts, while pool and main worker processes are killed (SIGKILL)
every few seconds, the primary is killed once so that the Sentinels fail over
(``--failover``), and both data servers are killed and restarted once on their AOF
(``--redis-restart``).

Every accepted document is followed to its end. It reports those lost (never ended, or
ended without every page once and in order), the duplicated results (a result holding a
page twice, or a document counted twice in the service's own ``ocr:counters``) and the
re-deliveries (``ocr:attempts:{id}`` above 1). Before summing up it waits out the broker's
visibility timeout after the last fault, so that a message whose acknowledgement was lost
comes back and is counted.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import redis

from bench.common import write_section
from bench.machine import cores_and_model
from bench.reliability_run import BASE_SETTINGS, Row, Run, Task, observed
from ocr_dev.cluster import Cluster
from ocr_dev.sentinel import HOST, MASTER, SentinelCluster
from ocr_dev.service import Service, pool_children
from ocr_dev.workload import document, workload
from ocr_inference.local.launcher import wait_ready
from ocr_inference.local.processes import stop_all
from ocr_inference.tasks.keys import key

START, END = "<!-- reliability-long:start -->", "<!-- reliability-long:end -->"
SETTINGS = {**BASE_SETTINGS, "OCR_MAX_ATTEMPTS": "5", "OCR_TASK_TIME_LIMIT_S": "30"}
VISIBILITY_S = 30 + 60  # OCR_TASK_TIME_LIMIT_S + 60
OUTAGE_S = 5.0


class SentinelService(Cluster):
    """``ocr_dev.cluster.Cluster`` whose API and workers find Redis through the Sentinels
    of ``sentinels`` (its own embedded server is never started)."""

    def __init__(
        self, work_dir: Path, settings: dict[str, str], concurrency: int, sentinels: SentinelCluster
    ) -> None:
        env = {**settings, "REDIS_URL": sentinels.url, "OCR_SENTINEL_MASTER": MASTER}
        super().__init__(work_dir, env, concurrency)
        self.sentinels = sentinels

    def __enter__(self) -> SentinelService:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        try:
            wait_ready(self.base_url, [self.start_api(), self.start_worker()], self.work_dir)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_all([p for p in (self.api, *self.workers) if p is not None])

    def primary_url(self) -> str:
        return f"redis://{HOST}:{self.sentinels.primary_port()}/0"

    @property
    def service(self) -> Service:
        return Service(self.base_url, self.primary_url(), self.workers[-1], self.work_dir)


@dataclass
class Chaos:
    """What the long run did and saw besides its tasks."""

    pool_kills: int = 0
    worker_kills: int = 0
    refused: int = 0  # submissions answered other than 202 (503 while no replica), sent again
    failover_s: float | None = None
    restart_s: float | None = None  # from the restart until the Sentinels saw both servers
    counters: dict[str, int] = field(default_factory=dict)
    double_counted: int = 0
    redelivered_documents: int = 0
    resent: int = 0  # messages the workers' sweep found lost and queued again


def submit_all(run: Run, docs: list[tuple[int, int]], backlog: int, chaos: Chaos) -> None:
    """Send ``docs``, keeping at most ``backlog`` accepted and not ended; a refused or
    unanswered submission is sent again (an unanswered one is not counted as accepted)."""
    url = f"{run.cluster.base_url}/api/v1/ocr/process"
    for pages, first in docs:
        while sum(t.ended_at is None for t in list(run.tasks.values())) >= backlog:
            time.sleep(0.2)
        data = document(pages, first)
        while True:
            try:
                response = httpx.post(url, files={"file": ("doc.tiff", data)}, timeout=60)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 202:
                run.tasks[str(response.json()["task_id"])] = Task(pages, first)
                break
            chaos.refused += 1
            time.sleep(0.5)


def kill_pool_process(run: Run, rng: random.Random, chaos: Chaos) -> bool:
    children = pool_children(run.cluster.workers[-1])
    if not children:
        return False  # the worker is starting: try again later
    run.fault("kill -9 pool process")
    run.cluster.kill_pid(rng.choice(children))
    chaos.pool_kills += 1
    return True


def kill_worker(run: Run, chaos: Chaos) -> bool:
    if not pool_children(run.cluster.workers[-1]):
        return False  # not up yet: killing it would test nothing new
    run.fault("kill -9 worker main process")
    run.cluster.kill(run.cluster.workers[-1])
    run.cluster.start_worker()
    chaos.worker_kills += 1
    return True


def failover(run: Run, sentinels: SentinelCluster, chaos: Chaos) -> None:
    """Kill the primary; once the Sentinels have promoted the replica, start the old primary
    again (they make it the new primary's replica, so submissions are acknowledged again)."""
    run.fault("Sentinel failover (kill -9 the primary)")
    old = sentinels.kill_primary()
    chaos.failover_s = sentinels.wait_failover(old, timeout_s=60)
    sentinels.start_server(old)
    sentinels.wait_ready(timeout_s=120)


def redis_restart(run: Run, sentinels: SentinelCluster, chaos: Chaos) -> None:
    """Kill both data servers, wait ``OUTAGE_S``, start the primary again on its AOF, then
    the replica (primary first: a replica back alone could be promoted)."""
    run.fault(f"Redis restart (kill -9 primary and replica, {OUTAGE_S:.0f} s down, AOF)")
    primary = sentinels.primary_port()
    replica = next(port for port in sentinels.servers if port != primary)
    for port in (primary, replica):
        sentinels.servers[port].send_signal(signal.SIGKILL)
        sentinels.servers[port].wait(timeout=30)
    time.sleep(OUTAGE_S)
    restarted = time.monotonic()
    sentinels.start_server(primary)
    sentinels.start_server(replica, replica_of=primary)
    sentinels.wait_ready(timeout_s=120)
    chaos.restart_s = time.monotonic() - restarted


def plan(args: argparse.Namespace, rng: random.Random) -> list[str]:
    """The faults in order: kills, a quarter of them of the main process, shuffled, with the
    failover after the first third and the Redis restart after the second."""
    steps = ["worker"] * (args.kills // 4) + ["pool"] * (args.kills - args.kills // 4)
    rng.shuffle(steps)
    if args.redis_restart:
        steps.insert(2 * len(steps) // 3, "restart")
    if args.failover:
        steps.insert(len(steps) // 3, "failover")
    return steps


def inject(run: Run, args: argparse.Namespace, rng: random.Random, chaos: Chaos) -> None:
    """Run the faults of ``plan``, spread over the documents: step ``i`` of ``n`` waits
    until ``(i + 1) / (n + 1)`` of them have been accepted (or a minute has passed), and
    a random pause around ``--kill-every`` seconds."""
    sentinels = run.cluster.sentinels if isinstance(run.cluster, SentinelService) else None
    assert sentinels is not None
    steps = plan(args, rng)
    for i, step in enumerate(steps):
        due, deadline = (i + 1) * args.documents / (len(steps) + 1), time.monotonic() + 60
        while len(run.tasks) < due and time.monotonic() < deadline:
            time.sleep(0.2)
        done = False
        while not done:
            time.sleep(rng.uniform(0.5, 1.5) * args.kill_every)
            if step == "failover":
                failover(run, sentinels, chaos)
                done = True
            elif step == "restart":
                redis_restart(run, sentinels, chaos)
                done = True
            elif step == "worker":
                done = kill_worker(run, chaos)
            else:
                done = kill_pool_process(run, rng, chaos)
        print(f"   {step} at {len(run.tasks)} documents accepted", flush=True)
    run.settle_until = run.faults[-1][0] + VISIBILITY_S + 15 if run.faults else 0.0


def count_twice(run: Run, chaos: Chaos) -> None:
    """Compare the service's own counts of ends with the documents that ended, and count
    the documents delivered more than once."""
    client = redis.Redis.from_url(run.redis_url(), decode_responses=True)
    raw = client.hgetall(key("counters"))
    counters = {str(k): int(v) for k, v in raw.items() if k != "pages"}
    chaos.counters = counters
    ended = sum(1 for t in run.tasks.values() if t.ended_at is not None)
    counted = sum(v for k, v in counters.items() if k == "succeeded" or k.startswith("failed:"))
    chaos.double_counted = max(0, counted - ended)
    attempts = [client.get(key("attempts", t)) for t in run.tasks]
    chaos.redelivered_documents = sum(1 for a in attempts if a and int(a) > 1)
    resends = [client.hget(key("task", t), "resends") for t in run.tasks]
    chaos.resent = sum(int(r) for r in resends if r)


def long_run(args: argparse.Namespace) -> tuple[Row, Chaos]:
    rng = random.Random(args.seed)
    chaos = Chaos()
    settings = {**SETTINGS, "OCR_PIPELINE_CONFIG": args.profile}
    docs = workload(args.documents, max_pages=args.max_pages, seed=args.seed + 21)
    with TemporaryDirectory(prefix="ocr-reliability-long-") as tmp:
        work_dir = Path(tmp)
        print("-- long run", flush=True)
        with (
            SentinelCluster(work_dir / "redis") as sentinels,
            SentinelService(work_dir / "service", settings, 2, sentinels) as cluster,
        ):
            run = Run("long run", cluster, primary_url=cluster.primary_url)
            # after the last fault, a document not ended within twice the visibility
            # timeout (its message was lost) would never end: it counts as lost
            with observed(run, timeout_s=2 * VISIBILITY_S + 120):
                sender = threading.Thread(
                    target=submit_all, args=(run, docs, args.backlog, chaos), daemon=True
                )
                sender.start()
                inject(run, args, rng, chaos)
                sender.join()
            count_twice(run, chaos)
    assert run.row is not None
    row = dataclasses.replace(
        run.row, duplicate_results=run.row.duplicate_results + chaos.double_counted
    )
    return row, chaos


def summary(row: Row, chaos: Chaos) -> str:
    """The long run's figures in a sentence or two, for the terminal and the docs."""
    failover = f"{chaos.failover_s:.1f} s" if chaos.failover_s is not None else "not run"
    restart = f"{chaos.restart_s:.1f} s" if chaos.restart_s is not None else "not run"
    return (
        f"{row.submitted} documents accepted, {chaos.pool_kills} pool processes and "
        f"{chaos.worker_kills} main worker processes killed (SIGKILL); Sentinel failover "
        f"{failover} (kill of the primary until the Sentinels named the promoted replica); "
        f"Redis restart: both servers back and seen by the Sentinels {restart} after the "
        f"restart; {chaos.refused} submissions refused or unanswered and sent again. "
        f"**Lost: {row.lost + row.wrong}**, **duplicated results: {row.duplicate_results}** "
        f"({chaos.double_counted} of them documents counted twice in `ocr:counters`: "
        f"{chaos.counters}), **re-deliveries: {row.redeliveries}** (deliveries beyond the "
        f"first, all tasks; {chaos.redelivered_documents} documents with "
        f"`ocr:attempts:{{id}}` > 1); {chaos.resent} messages found lost by the workers' "
        "sweep and queued again."
    )


def docs_section(command: str, minutes: float, report: str, text: str) -> str:
    return "\n".join(
        [
            START,
            f"Long chaos run, measured with `{command}` on {cores_and_model()} "
            f"({time.strftime('%Y-%m-%d')}, {minutes:.0f} min in all): one service on Redis "
            "Sentinel (primary, replica, three Sentinels), `OCR_PIPELINE_CONFIG` as given, "
            f"`OCR_TASK_TIME_LIMIT_S={SETTINGS['OCR_TASK_TIME_LIMIT_S']}` (visibility timeout "
            f"{VISIBILITY_S} s, waited out after the last fault), `OCR_PAGES_PER_TASK=2`, "
            "one worker with two processes.",
            "",
            report,
            "",
            text,
            END,
        ]
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--documents",
        type=int,
        help="run the long chaos run on Redis Sentinel with this many documents instead of "
        "the scenarios (--kills kills in all)",
    )
    parser.add_argument("--failover", action="store_true", help="long run: one failover")
    parser.add_argument(
        "--redis-restart", action="store_true", help="long run: one restart of both servers"
    )
    parser.add_argument("--max-pages", type=int, default=2, help="long run: pages per document")
    parser.add_argument(
        "--kill-every", type=float, default=2.0, help="long run: mean pause before a fault (s)"
    )
    parser.add_argument(
        "--backlog", type=int, default=100, help="long run: documents accepted and not ended"
    )
    parser.add_argument("--profile", default="text-fast", help="long run: OCR_PIPELINE_CONFIG")


def main_long(args: argparse.Namespace, command: str, table: Callable[[list[Row]], str]) -> int:
    started = time.monotonic()
    row, chaos = long_run(args)
    minutes = (time.monotonic() - started) / 60
    report, text = table([row]), summary(row, chaos)
    print(report)
    print(text)
    print(f"{minutes:.1f} min")
    if args.write_docs:
        write_section(args.write_docs, START, END, docs_section(command, minutes, report, text))
    return 1 if row.lost + row.wrong + row.duplicate_results else 0
