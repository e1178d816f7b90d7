"""Bytes a split document's tasks read from Redis, with the whole upload read by every
page range (as before the ranges were stored) and with each range's pages stored once.

    python -m bench.range_reads [--pages 200] [--per-task 4]

The document is a PDF of ``--pages`` scanned-looking A4 pages (``document_page`` images at
150 DPI, as Pillow writes them: one JPEG each). It is stored in an embedded
Redis-compatible server as the API stores an upload, then opened as the worker opens it,
without OCR: the document's task once (it counts the pages and splits), then each range's
task. Reads are counted where the task store fetches bytes (``load_blob``,
``load_range``); the split's own cost (storing the ranges) is given in bytes and seconds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from ocr_dev.factories import document_page, multipage
from ocr_inference.documents import Limits
from ocr_inference.local.launcher import free_port
from ocr_inference.local.redis_server import EmbeddedRedis
from ocr_inference.tasks.store import TaskStore, redis_client
from ocr_inference.tasks.uploads import open_upload, store_ranges


class CountingStore(TaskStore):
    """A task store that adds up the bytes it fetches."""

    read = 0

    def load_blob(self, task_id: str) -> bytes | None:
        return self._count(super().load_blob(task_id))

    def load_range(self, task_id: str, first: int, stop: int) -> bytes | None:
        return self._count(super().load_range(task_id, first, stop))

    def _count(self, data: bytes | None) -> bytes | None:
        self.read += len(data or b"")
        return data


def measure(store: CountingStore, data: bytes, per_task: int, *, ranges: bool) -> dict[str, Any]:
    """Bytes read by the document's task and by its range tasks, and what storing the
    ranges cost."""
    task_id = f"doc-{ranges}"
    store.create(task_id, data, filename="a.pdf", doc_type="pdf")
    store.read = 0
    document = open_upload(store, task_id, Limits())  # the document's task: count, split
    pages = document.page_count
    document.close()
    spans = [(first, min(first + per_task, pages)) for first in range(0, pages, per_task)]
    started = time.perf_counter()
    if ranges:
        store_ranges(store, task_id, [(a, b, range(a, b)) for a, b in spans])
    split_s = time.perf_counter() - started
    split_read = store.read
    for first, stop in spans:
        part = (first, stop) if ranges else None
        open_upload(store, task_id, Limits(), select=range(first, stop), part=part).close()
    return {
        "ranges": len(spans),
        "split_read": split_read,
        "ranges_read": store.read - split_read,
        "total_read": store.read,
        "stored": store.held_bytes(),
        "split_s": split_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--per-task", type=int, default=4)
    args = parser.parse_args()
    images = [document_page(seed) for seed in range(min(args.pages, 20))]
    data = multipage([images[n % len(images)] for n in range(args.pages)], "PDF", resolution=150.0)
    mb = 1024 * 1024
    print(f"PDF of {args.pages} pages, {len(data) / mb:.1f} MiB, {args.per_task} pages a task")
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), port=free_port()) as server:
        client = redis_client(server.url)
        store = CountingStore(client, result_ttl_s=600, blob_ttl_s=600)
        for ranges in (False, True):
            figures = measure(store, data, args.per_task, ranges=ranges)
            client.flushall()
            print(
                f"{'ranges stored' if ranges else 'whole upload '}: "
                f"{figures['ranges']} ranges; read {figures['total_read'] / mb:.1f} MiB in all "
                f"({figures['split_read'] / mb:.1f} MiB by the document's task, "
                f"{figures['ranges_read'] / mb:.1f} MiB by its ranges); "
                f"held {figures['stored'] / mb:.1f} MiB; storing the ranges took "
                f"{figures['split_s']:.2f} s"
            )


if __name__ == "__main__":
    main()
