"""Helpers shared by the benchmark scripts in ``bench/``.

Page selection and ground-truth reading for ``../shared/eval`` (see its README.md), the
``ocr-inference`` executable and its command over a set, reading result JSONs, number
formatting, and rewriting one marked section of a Markdown file. ``bench`` is a package:
the scripts run from the repository root as ``python -m bench.<name>`` and import this
module as ``bench.common``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocr_dev.evaluation import BoxedLine

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff"})
# images taken from each set when --limit is not given
DEFAULT_LIMITS = {"sroie": 30, "funsd": 25, "docbank": 20, "tesseract_testing": 4}


def find_cli() -> Path:
    """Return the ``ocr-inference`` executable installed next to this interpreter."""
    beside = Path(sys.executable).parent / "ocr-inference"
    if beside.exists():
        return beside
    found = shutil.which("ocr-inference")
    if found is None:
        sys.exit(f"error: no ocr-inference executable next to {sys.executable} or on PATH")
    return Path(found)


def select_images(set_dir: Path, limit: int | None) -> list[Path]:
    """First ``limit`` images of a set (all when None), by name, that have a ground-truth
    JSON."""
    images = sorted(
        path
        for path in set_dir.iterdir()
        if path.suffix.lower() in IMAGE_SUFFIXES and path.with_suffix(".json").exists()
    )
    return images[:limit]


def read_truth(image: Path) -> dict[str, Any]:
    """The ground-truth JSON next to an image (same stem)."""
    truth: dict[str, Any] = json.loads(image.with_suffix(".json").read_text(encoding="utf-8"))
    return truth


def ground_truth_lines(truth: dict[str, Any]) -> list[BoxedLine]:
    """Boxed lines of a ground-truth JSON.

    Sets with page text only (``tesseract_testing``) have no ``lines``; their
    ``full_text`` becomes one line spanning the page, which ``page_scores`` then
    normalizes like any other text.
    """
    lines: list[BoxedLine] = [(line["text"], line["box"]) for line in truth["lines"]]
    if lines or not truth.get("full_text"):
        return lines
    width = float(truth.get("width", 1))
    height = float(truth.get("height", 1))
    page = [[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]]
    return [(truth["full_text"], page)]


def predicted_lines(result: dict[str, Any], page_number: int) -> list[BoxedLine]:
    """Boxed lines the pipeline found on one page of a result JSON."""
    return [
        (detection["text"], detection["box"])
        for detection in result["detections"]
        if detection.get("page_number", 1) == page_number
    ]


def process_command(cli: Path, images: list[Path], out_dir: Path) -> list[str]:
    """The ``ocr-inference process`` command that OCRs ``images`` in one process into
    ``out_dir`` (one ``<stem>.json`` each), once any result an earlier run left there for
    them is removed, so that a stale result is never scored."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for image in images:
        (out_dir / f"{image.stem}.json").unlink(missing_ok=True)
    return [str(cli), "process", *map(str, images), "--output", str(out_dir)]


@dataclass(frozen=True)
class PageResult:
    """What an engine read from one image (ocr-inference through ``process_command``,
    Tesseract or RapidOCR): its lines on the page its ground truth is about, and its
    seconds; ``lines`` is None without a result."""

    image: Path
    lines: list[BoxedLine] | None
    seconds: float | None


def read_results(images: list[Path], out_dir: Path) -> list[PageResult]:
    """The result of each image in ``out_dir``, in the order of ``images``."""
    results: list[PageResult] = []
    for image in images:
        path = out_dir / f"{image.stem}.json"
        if not path.exists():
            results.append(PageResult(image, None, None))
            continue
        result = json.loads(path.read_text(encoding="utf-8"))
        seconds = result.get("meta", {}).get("seconds")
        lines = predicted_lines(result, int(read_truth(image).get("page", 1)))
        results.append(PageResult(image, lines, None if seconds is None else float(seconds)))
    return results


def percent(value: float | None) -> str:
    """Format a fraction as a percentage, or ``-`` when absent."""
    return "-" if value is None else f"{100 * value:.2f}"


def number(value: float | None, digits: int = 2) -> str:
    """Format a number, or ``-`` when absent."""
    return "-" if value is None else f"{value:.{digits}f}"


def write_section(path: Path, start: str, end: str, section: str) -> None:
    """Replace the text from ``start`` to ``end`` (markers included) in a Markdown file.

    ``section`` must begin with ``start`` and end with ``end``. When the file lacks the
    markers, the section is appended at its end; when the file does not exist, it is
    created with a ``# Benchmarks`` title. Everything outside the markers is kept.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text[text.index(start) :]:
        head = text[: text.index(start)]
        tail = text[text.index(end, text.index(start)) + len(end) :]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def add_page_set_arguments(
    parser: argparse.ArgumentParser,
    sets: Sequence[str] = tuple(DEFAULT_LIMITS),
    all_pages: bool = False,
) -> None:
    """``--eval-dir``, ``--sets`` and ``--limit``: which pages a benchmark reads.

    ``sets`` are the default sets; with ``all_pages`` no ``--limit`` means every page
    (else the set's ``DEFAULT_LIMITS``).
    """
    parser.add_argument(
        "--eval-dir",
        type=Path,
        default=DEFAULT_EVAL_DIR,
        help=f"evaluation data directory (default: {DEFAULT_EVAL_DIR})",
    )
    parser.add_argument(
        "--sets",
        default=",".join(sets),
        help=f"comma-separated sets (default: {','.join(sets)})",
    )
    limits = ", ".join(f"{k} {v}" for k, v in DEFAULT_LIMITS.items())
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"images per set (default: {'all' if all_pages else limits})",
    )


def page_sets(args: argparse.Namespace) -> list[str] | None:
    """The set names that ``--eval-dir``, ``--sets`` and ``--limit`` ask for, or None after
    printing why they cannot be read (no such directory or set, a limit below 1)."""
    eval_dir: Path = args.eval_dir
    if not eval_dir.is_dir():
        print(
            f"error: evaluation directory {eval_dir} not found; "
            "pass --eval-dir pointing at the shared eval data",
            file=sys.stderr,
        )
        return None
    names = [name.strip() for name in args.sets.split(",") if name.strip()]
    unknown = [name for name in names if not (eval_dir / name).is_dir()]
    if unknown:
        available = sorted(p.name for p in eval_dir.iterdir() if p.is_dir())
        print(
            f"error: no set {', '.join(unknown)} in {eval_dir}; available: {', '.join(available)}",
            file=sys.stderr,
        )
        return None
    if args.limit is not None and args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return None
    return names
