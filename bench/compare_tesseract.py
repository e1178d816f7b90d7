"""Tesseract for ``bench/compare.py``, run two ways over a set's pages.

* ``tesseract``: one page at a time with Tesseract's default threading (OpenMP in
  Debian's build), one ``tesseract IMAGE - -l eng --psm 3 tsv`` process per page;
  pages/min over the sum of those processes' wall times.
* ``tesseract-parallel``: one page per core, ``OMP_THREAD_LIMIT=1``, as many concurrent
  processes as this process has usable cores; pages/min over the wall time of the set.

Installed with ``apt-get`` when missing and running as root.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import PageResult
from bench.compare_tools import TAIL_CHARS, ToolRun
from bench.measure import Measured, TreeRss, run_measured
from ocr_dev.evaluation import BoxedLine

TESSERACT = "tesseract"
TESSERACT_PARALLEL = "tesseract-parallel"
TESSERACT_TOOLS = (TESSERACT, TESSERACT_PARALLEL)
TESSERACT_PACKAGES = ("tesseract-ocr", "tesseract-ocr-eng")
TESSERACT_OPTIONS = ("-l", "eng", "--psm", "3")


def ensure_tesseract(install: bool) -> str | None:
    """Path of ``tesseract``, installing Debian's package first when allowed and root."""
    found = shutil.which(TESSERACT)
    if found is not None or not install:
        return found
    manual = f"apt-get install -y {' '.join(TESSERACT_PACKAGES)}"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(
            "tesseract is not on PATH and cannot be installed from here (needs root and "
            f"apt-get); install it with `sudo {manual}` (Debian/Ubuntu) and run again. "
            "Skipping Tesseract.",
            file=sys.stderr,
        )
        return None
    print(f"tesseract is not on PATH; running `{manual}`...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", *TESSERACT_PACKAGES]
    if subprocess.run(command, env=env, stdout=sys.stderr, check=False).returncode != 0:
        print("apt-get install failed; running apt-get update and trying again", file=sys.stderr)
        subprocess.run(["apt-get", "update"], env=env, stdout=sys.stderr, check=False)
        subprocess.run(command, env=env, stdout=sys.stderr, check=False)
    found = shutil.which(TESSERACT)
    if found is None:
        print("Tesseract could not be installed; skipping it.", file=sys.stderr)
    return found


def tesseract_lines(tsv: str) -> list[BoxedLine]:
    """Boxed lines from Tesseract's TSV: its words grouped by block, paragraph and line.

    A line's box is the union of its words' boxes; its text is the words joined by
    spaces in Tesseract's order. Rows without text (page, block and line rows, empty
    words) are ignored.
    """
    groups: dict[tuple[int, int, int, int], list[tuple[str, int, int, int, int]]] = {}
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t", 11)
        if len(fields) < 12 or fields[0] != "5" or not fields[11].strip():
            continue
        page, block, paragraph, line = (int(value) for value in fields[1:5])
        left, top, width, height = (int(value) for value in fields[6:10])
        words = groups.setdefault((page, block, paragraph, line), [])
        words.append((fields[11].strip(), left, top, left + width, top + height))
    lines: list[BoxedLine] = []
    for key in sorted(groups):
        words = groups[key]
        x0 = float(min(word[1] for word in words))
        y0 = float(min(word[2] for word in words))
        x1 = float(max(word[3] for word in words))
        y1 = float(max(word[4] for word in words))
        text = " ".join(word[0] for word in words)
        lines.append((text, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
    return lines


def _page(image: Path, measured: Measured, out_dir: Path, errors: list[str]) -> PageResult:
    """A page's result from its process; its TSV is kept in ``out_dir``."""
    (out_dir / f"{image.stem}.tsv").write_text(measured.stdout, encoding="utf-8")
    if measured.returncode != 0:
        errors.append(f"{image.name}: exit {measured.returncode}: {measured.stderr[-TAIL_CHARS:]}")
        return PageResult(image, None, measured.seconds)
    return PageResult(image, tesseract_lines(measured.stdout), measured.seconds)


def _command(executable: str, image: Path) -> list[str]:
    return [executable, str(image), "-", *TESSERACT_OPTIONS, "tsv"]


def run_tesseract(executable: str, images: list[Path], out_dir: Path) -> ToolRun:
    """One process per page, one at a time, with Tesseract's default threading."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    pages: list[PageResult] = []
    errors: list[str] = []
    measured: list[Measured] = []
    with TreeRss() as total:
        for index, image in enumerate(images, 1):
            print(f"  {TESSERACT} {index}/{len(images)} {image.name}", file=sys.stderr)
            measured.append(run_measured(_command(executable, image), env=env))
            pages.append(_page(image, measured[-1], out_dir, errors))
    return ToolRun(
        tool=TESSERACT,
        command=shlex.join([TESSERACT, "IMAGE", "-", *TESSERACT_OPTIONS, "tsv"]),
        pages=pages,
        throughput_seconds=sum(page.seconds or 0.0 for page in pages),
        peak_rss_kib=max((m.max_rss_kib for m in measured), default=0),
        total_rss_kib=total.peak_kib,
        errors=errors,
    )


def run_tesseract_parallel(
    executable: str, images: list[Path], out_dir: Path, workers: int
) -> ToolRun:
    """One single-threaded process per page, ``workers`` of them at a time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env: Mapping[str, str] = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    print(f"  {TESSERACT_PARALLEL}: {len(images)} page(s), {workers} at a time", file=sys.stderr)
    with TreeRss() as total, ThreadPoolExecutor(max_workers=workers) as pool:
        started = time.perf_counter()
        measured = list(pool.map(lambda i: run_measured(_command(executable, i), env), images))
        wall = time.perf_counter() - started
    errors: list[str] = []
    pages = [_page(image, m, out_dir, errors) for image, m in zip(images, measured, strict=True)]
    command = shlex.join(["OMP_THREAD_LIMIT=1", TESSERACT, "IMAGE", "-", *TESSERACT_OPTIONS])
    return ToolRun(
        tool=TESSERACT_PARALLEL,
        command=f"{command} tsv, {workers} processes at a time",
        pages=pages,
        throughput_seconds=wall,
        peak_rss_kib=max((m.max_rss_kib for m in measured), default=0),
        total_rss_kib=total.peak_kib,
        errors=errors,
        extra={"processes": workers, "wall_seconds": wall},
    )
