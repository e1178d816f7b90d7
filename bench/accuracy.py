"""Measure OCR accuracy and throughput on documents with human ground truth.

For each data set, takes the first N images (sorted by name), runs ONE
``ocr-inference process <files...> --output <DIR>`` subprocess on all of them, times
that whole subprocess (model loading included), and scores every page against its
ground-truth JSON with ``ocr_dev.evaluation.page_scores``.

Usage::

    python -m bench.accuracy [--eval-dir ../shared/eval] [--sets sroie,funsd]
                             [--limit N] [--out DIR] [--json]

The ground truth is read from the evaluation directory in place (see its README.md);
nothing from it is copied into the project. This script reports figures only; it never
asserts on them.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    DEFAULT_LIMITS,
    add_page_set_arguments,
    find_cli,
    ground_truth_lines,
    number,
    page_sets,
    percent,
    process_command,
    read_results,
    read_truth,
    select_images,
)
from ocr_dev.evaluation import page_scores

TAIL_CHARS = 3000


def run_set(name: str, images: list[Path], cli: Path, out_dir: Path) -> dict[str, Any]:
    """OCR one set's images in one subprocess and score every page."""
    command = process_command(cli, images, out_dir)

    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started

    report: dict[str, Any] = {
        "set": name,
        "command": shlex.join(command),
        "returncode": completed.returncode,
        "images": len(images),
        "wall_seconds": wall,
    }
    if completed.returncode != 0:
        report["error_tail"] = (completed.stdout + completed.stderr)[-TAIL_CHARS:]

    pages: list[dict[str, Any]] = []
    missing: list[str] = []
    pipeline_seconds = 0.0
    for page in read_results(images, out_dir):
        if page.lines is None:  # scored as an empty page: a missing result is an error
            missing.append(page.image.name)
        pipeline_seconds += page.seconds or 0.0
        truth = ground_truth_lines(read_truth(page.image))
        scores = page_scores(truth, page.lines or [], name)
        pages.append({"image": page.image.name, **scores})

    count = len(pages)
    report.update(
        {
            "pages": count,
            "missing": missing,
            "mean_cer": statistics.fmean(p["cer"] for p in pages) if pages else None,
            "mean_wer": statistics.fmean(p["wer"] for p in pages) if pages else None,
            "mean_bow_f1": (statistics.fmean(p["bow_f1"] for p in pages) if pages else None),
            "seconds_per_page": wall / count if count else None,
            "pages_per_minute": 60 * count / wall if count and wall > 0 else None,
            "pipeline_seconds_per_page": pipeline_seconds / count if count else None,
            "per_page": pages,
        }
    )
    return report


def print_table(report: dict[str, Any]) -> None:
    """Print one set's figures as a small table followed by the command used."""
    headers = [
        "pages",
        "CER %",
        "WER %",
        "BoW F1 %",
        "wall s/page",
        "pages/min",
        "pipeline s/page",
    ]
    row = [
        str(report["pages"]),
        percent(report["mean_cer"]),
        percent(report["mean_wer"]),
        percent(report["mean_bow_f1"]),
        number(report["seconds_per_page"]),
        number(report["pages_per_minute"], 1),
        number(report["pipeline_seconds_per_page"]),
    ]
    widths = [max(len(h), len(c)) for h, c in zip(headers, row, strict=True)]
    print(f"== {report['set']} ==")
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print(f"wall time {report['wall_seconds']:.1f} s for the whole subprocess")
    if report["returncode"] != 0:
        print(f"ocr-inference exited with {report['returncode']}; output tail:")
        print(report["error_tail"])
    if report["missing"]:
        shown = ", ".join(report["missing"][:10])
        print(f"no result for {len(report['missing'])} page(s), scored empty: {shown}")
    print(f"command: {report['command']}")
    print()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="OCR accuracy and throughput on documents with ground truth."
    )
    add_page_set_arguments(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="keep the results under DIR/<set>/ (default: a temporary directory)",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the process exit status."""
    args = parse_args(argv)
    eval_dir: Path = args.eval_dir
    names = page_sets(args)
    if names is None:
        return 2

    cli = find_cli()
    with tempfile.TemporaryDirectory(prefix="ocr-accuracy-") as scratch:
        out_root: Path = args.out if args.out is not None else Path(scratch)
        reports = []
        for name in names:
            limit = args.limit if args.limit is not None else DEFAULT_LIMITS.get(name, 20)
            images = select_images(eval_dir / name, limit)
            if not images:
                print(f"warning: no images with ground truth in {name}", file=sys.stderr)
                continue
            if not args.json:
                print(f"running {name}: {len(images)} image(s)...", file=sys.stderr)
            report = run_set(name, images, cli, out_root / name)
            reports.append(report)
            if not args.json:
                print_table(report)

    if args.json:
        print(json.dumps({"eval_dir": str(eval_dir), "sets": reports}, indent=2))
    return 1 if any(report["returncode"] != 0 for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
