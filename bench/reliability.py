"""Fault injection at scale: many documents through a real service while its parts are
killed and restarted; every accepted task is followed to its end.

    python -m bench.reliability [--tasks 200] [--kills 20] [--write-docs docs/reliability.md]
    python -m bench.reliability --documents 1000 --kills 50 --failover --redis-restart \\
        [--write-docs docs/reliability.md]

The second form is the long chaos run of ``bench/reliability_long.py`` instead of the
scenarios: one service on Redis Sentinel, its own section of the docs.

Each scenario starts its own service (embedded Redis-compatible server with AOF, one
worker with two processes, the API) from ``ocr_dev.cluster``, with the faults of
``ocr_dev.faulty_worker``. For every scenario it reports the tasks submitted, those that
succeeded with every page once and in order, those that failed with the code expected of
them, those lost (neither: must be 0), the deliveries beyond a task's first (work done
again), the longest recovery (from a fault until every task that was running then has
ended) and the peak resident memory of one worker process. The harness of one scenario
is ``bench/reliability_run.py``.

``--write-docs`` replaces only the part of the file between the reliability markers;
the prose around it is kept.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

from bench.common import write_section
from bench.machine import cores_and_model
from bench.reliability_long import add_arguments, main_long
from bench.reliability_run import TIME_LIMIT_S, Row, Task, scenario
from ocr_dev.faulty_worker import CRASH_MARKER, HANG_MARKER
from ocr_dev.hostile import CASES
from ocr_dev.service import pool_children
from ocr_dev.workload import document, marked_document

START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"
PROBED = "GET /api/v1/ocr/results/{id}"


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


def probe_summary(probes: dict[str, float]) -> str:
    """What the API answered while Redis was down, as counts of probes.

    ``probes`` maps an answer (``"503"``, ``"503 Retry-After"``: the status code, and
    whether a ``Retry-After`` header came with it) to the number of probes that got it,
    plus ``recovered_after_s``.
    """
    answers = []
    for answer, count in probes.items():
        if answer == "recovered_after_s":
            continue
        status, _, header = answer.partition(" ")
        answers.append(
            f"{count:.0f} answered {status}" + (f" with a {header} header" * bool(header))
        )
    return (
        f"While Redis was down, `{PROBED}` was asked again 0.2 s after each answer: "
        + (", ".join(answers) or "no answer")
        + f"; the API answered 200 again {probes.get('recovered_after_s')} s after the "
        "server was back."
    )


def docs_section(command: str, minutes: float, report: str, probes: dict[str, float]) -> str:
    return "\n".join(
        [
            START,
            f"Measured with `{command}` on {cores_and_model()} "
            f"({time.strftime('%Y-%m-%d')}, {minutes:.0f} min in all), "
            f"`OCR_TASK_TIME_LIMIT_S={TIME_LIMIT_S}` (visibility timeout "
            f"{TIME_LIMIT_S + 60} s), `OCR_PAGES_PER_TASK=2`, one worker with two "
            "processes.",
            "",
            report,
            "",
            probe_summary(probes),
            END,
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=200, help="documents in all scenarios")
    parser.add_argument("--kills", type=int, default=20, help="process kills in all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only", action="append", default=[], help="run only this scenario (repeatable)"
    )
    parser.add_argument("--write-docs", type=Path)
    add_arguments(parser)
    return parser.parse_args(argv)


def run_scenarios(args: argparse.Namespace, probes: dict[str, float]) -> list[Row]:
    rng = random.Random(args.seed)
    share = max(args.tasks // 6, 4)
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
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m bench.reliability " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.documents is not None:
        return main_long(args, command, table)
    probes: dict[str, float] = {}
    started = time.monotonic()
    rows = run_scenarios(args, probes)
    minutes = (time.monotonic() - started) / 60
    report = table(rows)
    lost = sum(r.lost + r.wrong for r in rows)
    print(report)
    print(f"API answers while Redis was down: {probes}")
    print(f"{minutes:.1f} min; lost or wrong: {lost}")
    if args.write_docs:
        write_section(args.write_docs, START, END, docs_section(command, minutes, report, probes))
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
