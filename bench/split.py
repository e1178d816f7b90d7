"""One long document across worker processes: the time from submit to result of a
multi-page document, with one worker process, with two, and with two but no splitting.

    python -m bench.split [--pages 20] [--write-docs docs/benchmarks.md]

Each configuration starts its own service (embedded Redis-compatible server, one
``ocr-inference worker`` with ``--concurrency`` processes, the API) with one ONNX Runtime
thread per process (``OCR_INTRA_OP_THREADS=1``), waits until every process has loaded its
models, submits the document once and polls until it ends. The document is a multi-page
TIFF of the first ``--pages`` page images of ``../shared/eval/funsd`` (cycled if short).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image

from bench.common import DEFAULT_EVAL_DIR, IMAGE_SUFFIXES, number, write_section
from bench.service import running_service

START, END = "<!-- split:start -->", "<!-- split:end -->"
NO_SPLIT = 10_000  # OCR_PAGES_PER_TASK larger than any document here


def document(eval_dir: Path, pages: int) -> bytes:
    source = eval_dir / "funsd"
    images = sorted(p for p in source.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        sys.exit(f"error: no page images in {source}; pass --eval-dir")
    frames = [Image.open(images[i % len(images)]).convert("RGB") for i in range(pages)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate"
    )
    return buffer.getvalue()


def seconds_to_result(data: bytes, processes: int, per_task: int) -> float:
    env = {"OCR_INTRA_OP_THREADS": "1", "OCR_PAGES_PER_TASK": str(per_task)}
    with (
        tempfile.TemporaryDirectory(prefix="ocr-split-") as work,
        running_service(Path(work), concurrency=processes, env=env) as base_url,
    ):
        start = time.perf_counter()
        response = httpx.post(
            f"{base_url}/api/v1/ocr/process", files={"file": ("doc.tiff", data)}, timeout=60
        )
        response.raise_for_status()
        task_id = response.json()["task_id"]
        while True:
            body = httpx.get(f"{base_url}/api/v1/ocr/results/{task_id}", timeout=60).json()
            if body["status"] in ("SUCCESS", "FAILURE"):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        if body["status"] != "SUCCESS":
            sys.exit(f"error: the document failed: {body['result']}")
        return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--per-task", type=int, default=4, help="OCR_PAGES_PER_TASK")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--write-docs", type=Path)
    args = parser.parse_args(argv)
    command = "python -m bench.split " + " ".join(argv if argv is not None else sys.argv[1:])
    data = document(args.eval_dir, args.pages)
    runs = [
        (f"1 process, ranges of {args.per_task}", 1, args.per_task),
        (f"2 processes, ranges of {args.per_task}", 2, args.per_task),
        ("2 processes, not split", 2, NO_SPLIT),
    ]
    rows = []
    for name, processes, per_task in runs:
        print(f"{name} ...", file=sys.stderr)
        seconds = seconds_to_result(data, processes, per_task)
        rows.append((name, seconds))
    base = rows[0][1]
    section = "\n".join(
        [
            START,
            "## One document across worker processes",
            "",
            f"Measured {dt.date.today().isoformat()} with `{command}` on {os.cpu_count()} "
            f"cores: a {args.pages}-page TIFF of FUNSD forms, the configured pipeline, one "
            "ONNX Runtime thread per worker process, time from submit to `SUCCESS` "
            "(API, queue and merge included).",
            "",
            "| worker | seconds | pages/min | vs 1 process |",
            "|---|---|---|---|",
            *(
                f"| {name} | {number(s, 1)} | {number(60 * args.pages / s, 1)} | "
                f"{number(base / s, 2)} x |"
                for name, s in rows
            ),
            END,
        ]
    )
    print(section)
    if args.write_docs:
        write_section(args.write_docs, START, END, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
