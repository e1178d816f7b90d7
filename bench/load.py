"""Service overhead under load: many clients submit pages through the API and poll for
their results, against the same pages processed in-process, on the same machine.

    python -m bench.load [--pages 200] [--clients 50] [--write-docs docs/benchmarks.md]

Phase 1 runs the pipeline in this process over the pages (models loaded beforehand, not
timed) and gives the in-process pages/min. Phase 2 starts the service (embedded
Redis-compatible server, one worker, the API) unless ``--url`` names one, and lets
``--clients`` concurrent clients each submit one page at a time and poll it until it ends.
It reports pages/min through API and queue, submit latency (p50, p99), poll latency, and
every error. The API, the worker and this load generator share the machine's cores.

Pages are the JPG/PNG pages of ``../shared/eval`` (sroie receipts and funsd forms, in
turn), cycled to ``--pages``. The pipeline is the one the environment configures
(``OCR_PIPELINE_CONFIG``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import DEFAULT_EVAL_DIR, IMAGE_SUFFIXES, number, write_section
from bench.service import running_service

START, END = "<!-- load:start -->", "<!-- load:end -->"
SETS = ("sroie", "funsd")


@dataclass
class LoadRun:
    submit_s: list[float] = field(default_factory=list)
    poll_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    succeeded: int = 0
    wall_s: float = 0.0


def pick_pages(eval_dir: Path, count: int) -> list[Path]:
    """``count`` pages, taken from each set in turn."""
    per_set = [
        sorted(p for p in (eval_dir / name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for name in SETS
        if (eval_dir / name).is_dir()
    ]
    found = [
        pages[i % len(pages)]
        for i in range(max(map(len, per_set), default=0))
        for pages in per_set
        if pages
    ]
    if not found:
        sys.exit(f"error: no page images under {eval_dir}/{{{','.join(SETS)}}}; pass --eval-dir")
    return [found[i % len(found)] for i in range(count)]


def in_process_pages_per_min(pages: list[Path]) -> tuple[float, str]:
    from ocr_inference.config import load_settings
    from ocr_inference.documents import open_document
    from ocr_inference.pipeline import Pipeline

    settings = load_settings()
    pipeline = Pipeline(settings.pipeline, settings.engine_config(), model_dir=settings.model_dir)
    text_layer = settings.pipeline.text_layer != "never"
    start = time.perf_counter()
    for path in pages:
        document = open_document(path.read_bytes(), settings.limits(), text_layer=text_layer)
        pipeline.run(document.pages, document.page_count)
    return 60 * len(pages) / (time.perf_counter() - start), settings.pipeline.pipeline_name


async def client(
    http: httpx.AsyncClient, work: asyncio.Queue[Path], run: LoadRun, poll_every_s: float
) -> None:
    while True:
        try:
            path = work.get_nowait()
        except asyncio.QueueEmpty:
            return
        data = path.read_bytes()
        try:
            begin = time.perf_counter()
            response = await http.post("/api/v1/ocr/process", files={"file": (path.name, data)})
            run.submit_s.append(time.perf_counter() - begin)
            if response.status_code != 202:
                run.errors.append(f"submit {path.name}: {response.status_code}")
                continue
            task_id = response.json()["task_id"]
            while True:
                await asyncio.sleep(poll_every_s)
                begin = time.perf_counter()
                response = await http.get(f"/api/v1/ocr/results/{task_id}")
                run.poll_s.append(time.perf_counter() - begin)
                if response.status_code != 200:
                    run.errors.append(f"poll {path.name}: {response.status_code}")
                    break
                status = response.json()["status"]
                if status == "SUCCESS":
                    run.succeeded += 1
                    break
                if status == "FAILURE":
                    run.errors.append(f"{path.name}: {response.json()['result']}")
                    break
        except httpx.HTTPError as exc:
            run.errors.append(f"{path.name}: {type(exc).__name__}: {exc}")


async def load(base_url: str, pages: list[Path], clients: int, poll_every_s: float) -> LoadRun:
    work: asyncio.Queue[Path] = asyncio.Queue()
    for path in pages:
        work.put_nowait(path)
    run = LoadRun()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http, work, run, poll_every_s) for _ in range(clients)))
        run.wall_s = time.perf_counter() - start
    return run


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def report(args: argparse.Namespace, pipeline: str, in_process: float, run: LoadRun) -> str:
    through = 60 * run.succeeded / run.wall_s if run.wall_s else 0.0
    ms = 1000.0
    p50, p99, poll99 = (
        number(None if value is None else value * ms, 1)
        for value in (
            quantile(run.submit_s, 0.5),
            quantile(run.submit_s, 0.99),
            quantile(run.poll_s, 0.99),
        )
    )
    rows = [
        ("pages submitted", str(args.pages)),
        ("concurrent clients", str(args.clients)),
        ("succeeded / errors", f"{run.succeeded} / {len(run.errors)}"),
        ("in-process pages/min (models loaded beforehand)", number(in_process, 1)),
        ("through API + queue, pages/min", number(through, 1)),
        ("API + queue vs in-process", f"{100 * through / in_process:.1f} %" if in_process else "-"),
        ("submit latency p50 / p99, ms", f"{p50} / {p99}"),
        ("poll latency p99, ms", poll99),
    ]
    cores = os.cpu_count()
    lines = [
        START,
        "## Service overhead under load",
        "",
        f"Measured {dt.date.today().isoformat()} with `{args.command}`; pipeline "
        f"`{pipeline}`, one worker process, on {cores} cores ({platform.machine()}) that the "
        "API, the worker, the Redis-compatible server and the load generator all share. "
        f"Each client submits one page at a time and polls it every {args.poll_every} s.",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in rows),
    ]
    if run.errors:
        lines += ["", "Errors (first 10):", "", *(f"- `{e}`" for e in run.errors[:10])]
    return "\n".join([*lines, END])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="pages to submit (default 200)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--poll-every", type=float, default=1.0, help="seconds between polls")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--url", help="an already running service (skips starting one)")
    parser.add_argument("--skip-in-process", action="store_true", help="only the load phase")
    parser.add_argument("--write-docs", type=Path, help="Markdown file to put the section in")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.clients < 1:
        parser.error("--pages and --clients must be at least 1")
    args.command = "python -m bench.load " + " ".join(argv if argv is not None else sys.argv[1:])
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pages = pick_pages(args.eval_dir, args.pages)
    in_process, pipeline = 0.0, os.environ.get("OCR_PIPELINE_CONFIG", "PP-StructureV3")
    if not args.skip_in_process:
        print(f"in-process: {len(pages)} pages ...", file=sys.stderr)
        in_process, pipeline = in_process_pages_per_min(pages)
    print(f"load: {len(pages)} pages, {args.clients} clients ...", file=sys.stderr)
    if args.url:
        run = asyncio.run(load(args.url, pages, args.clients, args.poll_every))
    else:
        with (
            tempfile.TemporaryDirectory(prefix="ocr-load-") as work,
            running_service(Path(work)) as base_url,
        ):
            run = asyncio.run(load(base_url, pages, args.clients, args.poll_every))
    section = report(args, pipeline, in_process, run)
    print(section)
    if args.write_docs:
        write_section(args.write_docs, START, END, section)
    return 0 if not run.errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
