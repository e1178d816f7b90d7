"""The results' event stream: how soon a client sees the first page, and what streaming
costs per page.

    python -m bench.events [--pages 8] [--write-docs docs/benchmarks.md]

It starts one service (embedded Redis-compatible server, one ``ocr-inference worker`` with
one process, the API; ``OCR_PAGES_PER_TASK`` 4, so the document is split) and measures:

1. **End to end.** A ``--pages``-page PDF of synthetic A4 report pages (title, paragraphs, a
   ruled table; ``ocr_dev.factories.document_page``) is submitted and its events read with
   ``Client.events``: the time from the submission's answer to the first ``page`` event,
   to each later one, and to ``end``. Without the stream, a polling client sees nothing
   until ``end``.
2. **Per page.** Of that document's pages (from its result), each written as a worker
   writes it (``page_result``: the page's own copy and Markdown; JSON;
   ``TaskStore.keep_page``) into a document made to look running, at a random point of the
   stream's poll cycle, while a stream is open on it: the worker's cost per page and the
   delivery lag, from the write to the event's arrival at the client (up to
   ``OCR_EVENTS_POLL_MS`` of it is the wait for the stream's next look).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.common import number, write_section
from bench.machine import cpu_info, usable_cores
from bench.service import service_and_redis
from ocr_dev.factories import document_page, multipage
from ocr_inference.client import Client
from ocr_inference.config import Settings
from ocr_inference.pipeline.assembly import page_result
from ocr_inference.schemas import DocumentResult
from ocr_inference.tasks.events import page_of
from ocr_inference.tasks.store import TaskStore

START, END = "<!-- events:start -->", "<!-- events:end -->"
ENV = {"OCR_INTRA_OP_THREADS": "1", "OCR_PAGES_PER_TASK": "4"}


def end_to_end(base_url: str, data: bytes) -> dict[str, Any]:
    """Seconds from the submission's answer to each page event and to ``end``."""
    with Client(base_url, timeout=60) as client:
        path = Path(tempfile.mkdtemp(prefix="ocr-events-")) / "doc.pdf"
        path.write_bytes(data)
        task_id = client.submit(path)
        start = time.perf_counter()
        pages: list[float] = []
        end = None
        for event in client.events(task_id, timeout=1800):
            if event.event == "page":
                pages.append(time.perf_counter() - start)
            elif event.event == "end":
                end = time.perf_counter() - start
                if event.data["status"] != "SUCCESS":
                    sys.exit(f"error: the document failed: {event.data}")
        result = DocumentResult.model_validate(client.status(task_id)["result"])
    return {"pages": pages, "end": end, "result": result}


def per_page(base_url: str, redis_url: str, result: DocumentResult) -> dict[str, list[float]]:
    """The worker's cost of keeping each page, and the lag to its event at a client."""
    client = redis.Redis.from_url(redis_url)
    settings = Settings()
    store = TaskStore(client, result_ttl_s=600, blob_ttl_s=600)
    task_id = f"bench-{uuid.uuid4().hex}"
    store.create(task_id, b"bench", filename="bench.pdf", doc_type="pdf")
    store.start_document(task_id, len(result.pages), stale_after_s=600)
    poll_s = settings.events_poll_ms / 1000
    arrivals: dict[int, float] = {}
    opened = threading.Event()

    def read() -> None:
        url = f"{base_url}/api/v1/ocr/results/{task_id}/events"
        with httpx.stream("GET", url, timeout=60) as response:
            opened.set()
            for line in response.iter_lines():
                if line.startswith("id: "):
                    arrivals[int(line[4:])] = time.perf_counter()
                if len(arrivals) >= len(result.pages):
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    opened.wait(30)
    time.sleep(1.0)  # the stream's first look is done
    keep, written = [], []
    for position, info in enumerate(result.pages, start=1):
        cut = page_of(result, info.page_number)
        time.sleep(random.uniform(0, poll_s))  # at any point of the stream's poll cycle
        began = time.perf_counter()
        part = page_result(cut.page, cut.detections, cut.layout, cut.tables)
        data = part.model_dump_json().encode()
        store.keep_page(task_id, info.page_number, data, max_bytes=settings.events_max_mb << 20)
        done = time.perf_counter()
        keep.append(done - began)
        written.append(done)
        deadline = time.monotonic() + 10
        while position not in arrivals and time.monotonic() < deadline:
            time.sleep(0.001)
    reader.join(10)
    store.cancel(task_id)
    client.close()
    lags = [arrivals[n] - written[n - 1] for n in range(1, len(written) + 1) if n in arrivals]
    return {
        "keep": keep,
        "lag": lags,
        "bytes": [
            float(len(page_of(result, p.page_number).model_dump_json())) for p in result.pages
        ],
    }


def ms(seconds: float) -> str:
    return number(seconds * 1000, 1)


def rows(stream: dict[str, Any], page: dict[str, list[float]]) -> list[tuple[str, str]]:
    times, lag, keep = stream["pages"], page["lag"], page["keep"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return [
        ("submission to first `page` event", f"{number(times[0], 2)} s"),
        ("submission to `end` (a polling client's first result)", f"{number(stream['end'], 2)} s"),
        ("first page seen before the whole result by", f"{number(stream['end'] - times[0], 2)} s"),
        ("time between page events (median)", f"{number(statistics.median(gaps), 2)} s"),
        (
            "worker's cost per page: its part, JSON, kept in Redis (mean / max)",
            f"{ms(statistics.mean(keep))} / {ms(max(keep))} ms",
        ),
        ("page JSON size (mean)", f"{number(statistics.mean(page['bytes']) / 1024, 1)} KiB"),
        (
            "delivery lag, write to event at the client (median / max)",
            f"{ms(statistics.median(lag))} / {ms(max(lag))} ms",
        ),
    ]


def report(args: argparse.Namespace, stream: dict[str, Any], page: dict[str, list[float]]) -> str:
    command = "python -m bench.events " + " ".join(args.argv)
    cpu, _ = cpu_info()
    return "\n".join(
        [
            START,
            "## Event stream",
            "",
            f"Measured {dt.date.today().isoformat()} with `{command}` on {cpu} "
            f"({usable_cores()} cores, shared): one worker process, one ONNX Runtime thread, "
            f"the default pipeline, a {args.pages}-page PDF of synthetic A4 report pages "
            f"split into ranges of 4; `OCR_EVENTS_POLL_MS` {Settings().events_poll_ms}.",
            "",
            "| figure | value |",
            "|---|---|",
            *(f"| {name} | {value} |" for name, value in rows(stream, page)),
            END,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--write-docs", type=Path)
    args = parser.parse_args(argv)
    args.argv = argv if argv is not None else sys.argv[1:]
    data = multipage([document_page(seed) for seed in range(args.pages)], "PDF", resolution=150.0)
    with (
        tempfile.TemporaryDirectory(prefix="ocr-events-") as work,
        service_and_redis(Path(work), concurrency=1, env=ENV) as (base_url, redis_url),
    ):
        print("end to end ...", file=sys.stderr)
        stream = end_to_end(base_url, data)
        print("per page ...", file=sys.stderr)
        page = per_page(base_url, redis_url, stream["result"])
    section = report(args, stream, page)
    print(section)
    if args.write_docs:
        write_section(args.write_docs, START, END, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
