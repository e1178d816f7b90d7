"""Compare ocr-inference with Tesseract 5 (and optionally RapidOCR) on the same pages.

For each data set of ``../shared/eval`` the first N images by name that have ground truth
(sroie 30, funsd 25, docbank 20, tesseract_testing 4; ``--limit`` overrides) go through
every tool, one tool after the other, in this one run on this one machine:

* ``tesseract``: Debian's ``tesseract-ocr`` with English, one process per page as users
  run it (``tesseract IMAGE - -l eng --psm 3 tsv``), each timed wall-clock. Its words are
  grouped by block, paragraph and line into boxed lines. When ``tesseract`` is not on
  PATH and this runs as root, it is installed with ``apt-get`` first; otherwise the tool
  is skipped with a message (``--setup`` only installs it).
* ``ocr-inference`` for each ``--profile`` (default: ``default``): ONE
  ``ocr-inference process <pages> --output DIR`` subprocess per set, with
  ``OCR_PIPELINE_CONFIG`` set to the profile (unset for ``default``) plus any
  ``--pipeline-env KEY=VALUE``. Seconds per page come from each result's ``meta.seconds``;
  pages/min from the whole subprocess's wall time, model loading included.
* ``rapidocr`` (``--with-rapidocr`` only): RapidOCR's defaults in this process, engine
  build excluded from the timing.

Both sides are scored alike with ``ocr_inference.evaluation.page_scores`` (reading order
by ``order_lines``, the per-set normalization). Peak RSS is the largest ``ru_maxrss`` of
a tool's child processes (``os.wait4``, in ``bench/rusage_exec.py`` so that this process's
own size does not leak into the figure); for RapidOCR, this process's own peak.

Usage::

    python bench/compare.py [--eval-dir ../shared/eval] [--sets sroie,funsd] [--limit N]
                            [--profile NAME]... [--pipeline-env KEY=VALUE]...
                            [--with-rapidocr] [--no-tesseract] [--out DIR] [--json PATH]
                            [--write-docs docs/benchmarks.md]
                            [--chart docs/benchmark-speed-vs-cer.png]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import math
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import (
    DEFAULT_LIMITS,
    PageResult,
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
    write_section,
)
from ocr_inference.evaluation import BoxedLine, page_scores

START, END = "<!-- compare:start -->", "<!-- compare:end -->"
RUSAGE_EXEC = Path(__file__).resolve().with_name("rusage_exec.py")
TESSERACT = "tesseract"
TESSERACT_PACKAGES = ("tesseract-ocr", "tesseract-ocr-eng")
TESSERACT_OPTIONS = ("-l", "eng", "--psm", "3")
DEFAULT_PROFILE = "default"
RAPIDOCR = "rapidocr"
TAIL_CHARS = 3000
ERROR_NOTE_CHARS = 200
KIB_PER_MIB = 1024
# chart label position per tool: points right, points down, horizontal alignment
LABEL_OFFSETS = ((6, 4, "left"), (6, -11, "left"), (-6, 4, "right"), (-6, -11, "right"))
# (key in a result, label, formatter) of every figure compared with Tesseract's
FIGURES: tuple[tuple[str, str, Callable[[float | None], str]], ...] = (
    ("mean_cer", "CER %", percent),
    ("mean_wer", "WER %", percent),
    ("mean_bow_f1", "BoW F1 %", percent),
    ("pages_per_minute", "pages/min", lambda value: number(value, 1)),
    ("mean_seconds_per_page", "mean s/page", number),
    ("p95_seconds_per_page", "p95 s/page", number),
    ("peak_rss_mib", "peak RSS MiB", lambda value: number(value, 0)),
)


@dataclass
class ToolRun:
    """One tool's run over one set's pages."""

    tool: str
    command: str
    pages: list[PageResult]
    throughput_seconds: float  # pages/min = 60 * pages / this
    peak_rss_kib: int | None
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Measured:
    """A finished child process: exit status, wall time, peak RSS and output."""

    returncode: int
    seconds: float
    max_rss_kib: int
    stdout: str
    stderr: str


def run_measured(command: Sequence[str], env: Mapping[str, str] | None = None) -> Measured:
    """Run a command to completion; time it and take its peak RSS from ``os.wait4``.

    The command runs under ``bench/rusage_exec.py`` (see there why), which forks it from
    a small interpreter, reaps it with ``os.wait4`` and writes its exit status, wall time
    and ``ru_maxrss``. Output goes to temporary files, never to pipes that could fill.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory(prefix="ocr-compare-rusage-") as scratch,
    ):
        record = Path(scratch) / "rusage"
        launcher = [sys.executable, "-S", str(RUSAGE_EXEC), str(record), *command]
        started = time.perf_counter()
        completed = subprocess.run(
            launcher, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, check=False
        )
        seconds = time.perf_counter() - started
        returncode, max_rss_kib = completed.returncode, 0
        if record.exists():  # absent only when the launcher itself failed
            code, timed, rss = record.read_text(encoding="ascii").split()
            returncode, seconds, max_rss_kib = int(code), float(timed), int(rss)
        out.seek(0)
        err.seek(0)
        return Measured(
            returncode=returncode,
            seconds=seconds,
            max_rss_kib=max_rss_kib,  # KiB on Linux
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
        )


# --- Tesseract ------------------------------------------------------------------------


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


def tesseract_version(executable: str) -> str:
    """First line of ``tesseract --version`` (``tesseract 5.3.0``), or ``unknown``."""
    completed = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, check=False
    )
    lines = (completed.stdout or completed.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def debian_versions(packages: Sequence[str]) -> dict[str, str]:
    """Installed versions of Debian packages, for those ``dpkg-query`` knows."""
    if shutil.which("dpkg-query") is None:
        return {}
    completed = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *packages],
        capture_output=True,
        text=True,
        check=False,
    )
    pairs = (line.split(" ", 1) for line in completed.stdout.splitlines() if " " in line)
    return {name: version for name, version in pairs if version}


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


def run_tesseract(executable: str, images: list[Path], out_dir: Path) -> ToolRun:
    """One ``tesseract IMAGE - ... tsv`` process per page, each timed and measured."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pages: list[PageResult] = []
    errors: list[str] = []
    peak = 0
    for index, image in enumerate(images, 1):
        print(f"  tesseract {index}/{len(images)} {image.name}", file=sys.stderr)
        measured = run_measured([executable, str(image), "-", *TESSERACT_OPTIONS, "tsv"])
        peak = max(peak, measured.max_rss_kib)
        (out_dir / f"{image.stem}.tsv").write_text(measured.stdout, encoding="utf-8")
        if measured.returncode != 0:
            errors.append(
                f"{image.name}: exit {measured.returncode}: {measured.stderr[-TAIL_CHARS:]}"
            )
            pages.append(PageResult(image, None, measured.seconds))
        else:
            pages.append(PageResult(image, tesseract_lines(measured.stdout), measured.seconds))
    return ToolRun(
        tool=TESSERACT,
        command=shlex.join([TESSERACT, "IMAGE", "-", *TESSERACT_OPTIONS, "tsv"]),
        pages=pages,
        throughput_seconds=sum(page.seconds or 0.0 for page in pages),
        peak_rss_kib=peak,
        errors=errors,
    )


# --- ocr-inference --------------------------------------------------------------------


def profile_label(profile: str) -> str:
    """Tool name of an ocr-inference profile in tables and the chart."""
    if profile == DEFAULT_PROFILE:
        return "ocr-inference"
    name = (
        Path(profile).name if ("/" in profile or profile.endswith((".yaml", ".yml"))) else profile
    )
    return f"ocr-inference [{name}]"


def profile_environment(profile: str, extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with the profile's ``OCR_PIPELINE_CONFIG`` and extras."""
    env = dict(os.environ)
    env.pop("OCR_PIPELINE_CONFIG", None)
    if profile != DEFAULT_PROFILE:
        env["OCR_PIPELINE_CONFIG"] = profile
    env.update(extra)
    return env


def run_ocr_inference(
    cli: Path,
    profile: str,
    extra_env: Mapping[str, str],
    images: list[Path],
    out_dir: Path,
) -> ToolRun:
    """ONE ``ocr-inference process`` subprocess over all the pages of a set."""
    command = process_command(cli, images, out_dir)
    print(f"  {profile_label(profile)}: {len(images)} page(s) in one process", file=sys.stderr)
    measured = run_measured(command, env=profile_environment(profile, extra_env))

    errors: list[str] = []
    if measured.returncode != 0:
        tail = (measured.stdout + measured.stderr)[-TAIL_CHARS:]
        errors.append(f"exit {measured.returncode}: {tail}")
    pages = read_results(images, out_dir)
    errors += [f"{page.image.name}: no result" for page in pages if page.lines is None]
    overrides = {
        key: value
        for key, value in profile_environment(profile, extra_env).items()
        if key == "OCR_PIPELINE_CONFIG" or key in extra_env
    }
    prefix = " ".join(f"{key}={shlex.quote(value)}" for key, value in overrides.items())
    return ToolRun(
        tool=profile_label(profile),
        command=(prefix + " " if prefix else "")
        + "ocr-inference process <the set's pages> --output DIR",
        pages=pages,
        throughput_seconds=measured.seconds,
        peak_rss_kib=measured.max_rss_kib,
        errors=errors,
        extra={"profile": profile, "environment": overrides, "wall_seconds": measured.seconds},
    )


# --- RapidOCR -------------------------------------------------------------------------


class RapidOCRRunner:
    """RapidOCR with its defaults, in this process; the engine is built once, untimed."""

    def __init__(self) -> None:
        self.engine: Any = None  # built on first use, so never alongside the other tools
        self.build_seconds = 0.0
        self.version = importlib.metadata.version("rapidocr")

    def run(self, images: list[Path]) -> ToolRun:
        if self.engine is None:
            from rapidocr import RapidOCR

            started = time.perf_counter()
            self.engine = RapidOCR()
            self.build_seconds = time.perf_counter() - started
        pages: list[PageResult] = []
        errors: list[str] = []
        for index, image in enumerate(images, 1):
            print(f"  rapidocr {index}/{len(images)} {image.name}", file=sys.stderr)
            started = time.perf_counter()
            try:
                output = self.engine(str(image))
            except Exception as exc:  # report and score as empty, like a missing result
                errors.append(f"{image.name}: {type(exc).__name__}: {exc}")
                pages.append(PageResult(image, None, time.perf_counter() - started))
                continue
            seconds = time.perf_counter() - started
            # RapidOCR's full pipeline returns a RapidOCROutput; None fields: nothing found
            boxes, texts = getattr(output, "boxes", None), getattr(output, "txts", None)
            lines: list[BoxedLine] = []
            if boxes is not None and texts is not None:
                lines = [(text, box.tolist()) for text, box in zip(texts, boxes, strict=True)]
            pages.append(PageResult(image, lines, seconds))
        return ToolRun(
            tool=RAPIDOCR,
            command="RapidOCR()(IMAGE)",
            pages=pages,
            throughput_seconds=sum(page.seconds or 0.0 for page in pages),
            # this process's high-water mark, earlier sets included
            peak_rss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            errors=errors,
            extra={"engine_build_seconds": self.build_seconds, "version": self.version},
        )


# --- scoring and figures --------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolation percentile (``fraction`` in 0..1), or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def score(set_name: str, run: ToolRun) -> dict[str, Any]:
    """Score every page of a tool's run and summarize it."""
    per_page: list[dict[str, Any]] = []
    for page in run.pages:
        truth = ground_truth_lines(read_truth(page.image))
        scores = page_scores(truth, page.lines or [], set_name)
        per_page.append({"image": page.image.name, **scores, "seconds": page.seconds})
    count = len(per_page)
    seconds = [page.seconds for page in run.pages if page.seconds is not None]
    return {
        "set": set_name,
        "tool": run.tool,
        "pages": count,
        "missing": [page.image.name for page in run.pages if page.lines is None],
        "mean_cer": statistics.fmean(p["cer"] for p in per_page) if count else None,
        "mean_wer": statistics.fmean(p["wer"] for p in per_page) if count else None,
        "mean_bow_f1": statistics.fmean(p["bow_f1"] for p in per_page) if count else None,
        # a run that produced no page at all has no speed worth reporting
        "pages_per_minute": (
            60 * count / run.throughput_seconds
            if run.throughput_seconds > 0 and any(page.lines is not None for page in run.pages)
            else None
        ),
        "mean_seconds_per_page": statistics.fmean(seconds) if seconds else None,
        "p95_seconds_per_page": percentile(seconds, 0.95),
        "peak_rss_mib": None if run.peak_rss_kib is None else run.peak_rss_kib / KIB_PER_MIB,
        "throughput_seconds": run.throughput_seconds,
        "command": run.command,
        "errors": run.errors,
        **run.extra,
        "per_page": per_page,
    }


def ratio(value: float | None, reference: float | None) -> float | None:
    """``value / reference``, or None when either is absent or the reference is 0."""
    if value is None or reference is None or reference == 0:
        return None
    return value / reference


def add_ratios(results: list[dict[str, Any]]) -> None:
    """Give each result ``ratios``: every figure over Tesseract's on the same set."""
    reference = {r["set"]: r for r in results if r["tool"] == TESSERACT}
    for result in results:
        base = reference.get(result["set"])
        if base is None or result is base:
            result["ratios"] = None
            continue
        result["ratios"] = {key: ratio(result[key], base[key]) for key, _, _ in FIGURES}


def cells(result: dict[str, Any]) -> list[str]:
    """A result's figures as table cells, each with its ratio to Tesseract's."""
    pages = str(result["pages"])
    if result["missing"]:  # pages without a result are scored as empty pages
        pages += f" ({len(result['missing'])} empty)"
    row = [result["set"], result["tool"], pages]
    ratios = result.get("ratios") or {}
    for key, _, formatter in FIGURES:
        text = formatter(result[key])
        factor = ratios.get(key)
        row.append(text if factor is None else f"{text} ({factor:.2f}×)")
    return row


HEADERS = ["set", "tool", "pages", *(label for _, label, _ in FIGURES)]


def print_table(results: list[dict[str, Any]]) -> None:
    """Print every set and tool as one aligned table, then the commands and errors."""
    rows = [cells(result) for result in results]
    widths = [max(len(row[i]) for row in [HEADERS, *rows]) for i in range(len(HEADERS))]
    print(
        "  ".join(
            h.ljust(w) if i < 2 else h.rjust(w)
            for i, (h, w) in enumerate(zip(HEADERS, widths, strict=True))
        )
    )
    previous = None
    for row in rows:
        if previous is not None and row[0] != previous:
            print()
        previous = row[0]
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print("(n×) = the figure over Tesseract's on the same pages")
    print()
    seen: set[str] = set()
    for result in results:
        if result["tool"] not in seen:
            seen.add(result["tool"])
            print(f"{result['tool']}: {result['command']}")
    for result in results:
        for error in result["errors"]:
            print(f"error: {result['set']}/{result['tool']}: {error}")
        if result["missing"]:
            shown = ", ".join(result["missing"][:10])
            print(
                f"{result['set']}/{result['tool']}: no result for "
                f"{len(result['missing'])} page(s), scored empty: {shown}"
            )


# --- machine, docs and chart ----------------------------------------------------------


def machine_description(tesseract: str | None, with_rapidocr: bool) -> dict[str, str]:
    """CPU, cores, RAM, OS and the versions that matter for these figures."""
    cpu = platform.processor() or platform.machine()
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    try:
        system = platform.freedesktop_os_release().get("PRETTY_NAME", platform.platform())
    except OSError:
        system = platform.platform()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = str(os.cpu_count() or "unknown")
    if usable is not None and str(usable) != cores:
        cores = f"{usable} usable of {cores}"
    onnxruntime = "not installed"
    for distribution in ("onnxruntime", "onnxruntime-gpu"):
        try:
            onnxruntime = f"{importlib.metadata.version(distribution)} ({distribution})"
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    description = {
        "cpu": cpu,
        "cores": cores,
        "ram": memory,
        "os": f"{system}, {platform.machine()}, kernel {platform.release()}",
        "python": platform.python_version(),
        "onnxruntime": onnxruntime,
        "tesseract": "not run",
    }
    if tesseract is not None:
        packages = debian_versions(TESSERACT_PACKAGES)
        listed = ", ".join(f"{name} {version}" for name, version in packages.items())
        description["tesseract"] = tesseract_version(tesseract) + (f" ({listed})" if listed else "")
        if os.environ.get("OMP_THREAD_LIMIT"):
            description["tesseract"] += f", OMP_THREAD_LIMIT={os.environ['OMP_THREAD_LIMIT']}"
    if with_rapidocr:
        try:
            description["rapidocr"] = importlib.metadata.version("rapidocr")
        except importlib.metadata.PackageNotFoundError:
            description["rapidocr"] = "not installed"
    return description


def markdown(
    results: list[dict[str, Any]],
    command: str,
    machine: Mapping[str, str],
    date: str,
    chart_link: str | None,
) -> str:
    """The docs section, markers included."""
    machine_line = (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['ram']} RAM, {machine['os']}; "
        f"Python {machine['python']}, ONNX Runtime {machine['onnxruntime']}, "
        f"{machine['tesseract']}"
        + (f", RapidOCR {machine['rapidocr']}" if "rapidocr" in machine else "")
        + "."
    )
    rows = [
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * 2 + "---:|" * (len(HEADERS) - 2),
        *("| " + " | ".join(cells(result)) + " |" for result in results),
    ]
    failures = [
        f"- {result['set']} / {result['tool']}: " + " ".join(error.split())[:ERROR_NOTE_CHARS]
        for result in results
        for error in result["errors"][:1]
    ]
    commands = []
    seen: set[str] = set()
    for result in results:
        if result["tool"] not in seen:
            seen.add(result["tool"])
            commands.append(f"- {result['tool']}: `{result['command']}`")
    return "\n".join(
        [
            START,
            "## ocr-inference vs Tesseract 5",
            "",
            f"Command: `{command}`, run on {date}.",
            "",
            f"Machine: {machine_line}",
            "",
            "Every tool read the same pages (the first N of each set, by name, that have",
            "ground truth), one tool after the other on this machine. Both sides' lines go",
            "through the same `order_lines` reading order and `page_scores` normalization",
            "(NFKC; SROIE case-insensitive, FUNSD punctuation spacing); CER and WER are means",
            "over pages, bag-of-words F1 ignores order. Tesseract ran one process per page",
            "(`tsv` output, words grouped by block, paragraph and line), its pages/min and",
            "s/page from each process's wall time. ocr-inference ran one `process` subprocess",
            "per set: pages/min over that subprocess's wall time, model loading included;",
            "s/page from each result's `meta.seconds` (in-process time per document). Peak RSS",
            "is the largest `ru_maxrss` of the tool's processes, each forked from a small",
            "launcher (`bench/rusage_exec.py`) and reaped with `os.wait4`. `(n×)` is the",
            "figure divided by Tesseract's on the same pages (lower is better for CER, WER,",
            "s/page and RSS; higher for F1 and pages/min). Tesseract ran with its default",
            "threading (OpenMP in Debian's build). `tesseract_testing` has page text only,",
            "scored as one line in its source's order, so on its multi-column pages CER and",
            "WER mostly measure reading order; its bag-of-words F1 is the figure to compare.",
            *(
                [
                    "RapidOCR ran in the benchmark process with its defaults, engine build",
                    "excluded; its s/page and pages/min come from the engine call per page, its",
                    "peak RSS the benchmark process's own high-water mark.",
                ]
                if any(result["tool"] == RAPIDOCR for result in results)
                else []
            ),
            "",
            *commands,
            "",
            *rows,
            *(["", "Failures (their pages are scored as empty):", *failures] if failures else []),
            *(
                ["", f"![pages/min against CER per tool and set]({chart_link})"]
                if chart_link
                else []
            ),
            END,
        ]
    )


def write_chart(results: list[dict[str, Any]], path: Path) -> bool:
    """Scatter of pages/min (x, log) against CER % (y), one marker per tool and set."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import ScalarFormatter
    except ImportError:
        print(
            "matplotlib is not installed (it is in the dev group: `make install-dev`); "
            f"no chart written to {path}",
            file=sys.stderr,
        )
        return False
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    tools = list(dict.fromkeys(result["tool"] for result in results))
    figure, axes = plt.subplots(figsize=(8, 5.5))
    for index, tool in enumerate(tools):
        points = [
            r
            for r in results
            if r["tool"] == tool and r["pages_per_minute"] and r["mean_cer"] is not None
        ]
        if not points:
            continue
        xs = [r["pages_per_minute"] for r in points]
        ys = [100 * r["mean_cer"] for r in points]
        axes.scatter(xs, ys, marker=markers[index % len(markers)], s=60, label=tool)
        dx, dy, align = LABEL_OFFSETS[index % len(LABEL_OFFSETS)]
        for r, x, y in zip(points, xs, ys, strict=True):
            axes.annotate(
                r["set"],
                (x, y),
                textcoords="offset points",
                xytext=(dx, dy),
                ha=align,
                fontsize=8,
            )
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(ScalarFormatter())
    axes.xaxis.set_minor_formatter(ScalarFormatter())
    axes.set_ylim(bottom=0)
    axes.set_xlabel("pages per minute (log scale; right is faster)")
    axes.set_ylabel("CER % (lower is better)")
    axes.set_title("Speed against character error rate, per tool and data set")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True


# --- command line ---------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="ocr-inference against Tesseract 5 on the same pages of ../shared/eval."
    )
    add_page_set_arguments(parser)
    parser.add_argument(
        "--profile",
        action="append",
        default=None,
        metavar="NAME",
        help="ocr-inference pipeline profile, repeatable: 'default' (OCR_PIPELINE_CONFIG "
        "unset), a packaged profile name or a YAML path (default: default)",
    )
    parser.add_argument(
        "--pipeline-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the ocr-inference runs, repeatable",
    )
    parser.add_argument(
        "--with-rapidocr", action="store_true", help="also run RapidOCR's defaults in process"
    )
    parser.add_argument("--no-tesseract", action="store_true", help="do not run Tesseract")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="never install Tesseract (by default it is installed with apt-get when missing "
        "and running as root)",
    )
    parser.add_argument(
        "--setup", action="store_true", help="install Tesseract if missing (root), then exit"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep every tool's output under DIR/<set>/<tool>/ (default: a temporary dir)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the raw figures here")
    parser.add_argument(
        "--write-docs", type=Path, metavar="PATH", help="rewrite the compare section of PATH"
    )
    parser.add_argument("--chart", type=Path, metavar="PATH", help="write the speed/CER chart")
    return parser.parse_args(argv)


def parse_environment(pairs: Sequence[str]) -> dict[str, str] | None:
    """``KEY=VALUE`` strings as a mapping, or None when one has no key."""
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            return None
        env[key] = value
    return env


def folder_name(tool: str) -> str:
    """A tool's name made safe for a directory name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in tool).strip("_")


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; return the process exit status."""
    args = parse_args(argv)
    if args.setup:
        return 0 if ensure_tesseract(install=True) else 1
    eval_dir: Path = args.eval_dir
    names = page_sets(args)
    if names is None:
        return 2
    extra_env = parse_environment(args.pipeline_env)
    if extra_env is None:
        print("error: --pipeline-env takes KEY=VALUE", file=sys.stderr)
        return 2
    profiles: list[str] = list(dict.fromkeys(args.profile or [DEFAULT_PROFILE]))

    tesseract = None if args.no_tesseract else ensure_tesseract(install=not args.no_install)
    rapidocr: RapidOCRRunner | None = None
    if args.with_rapidocr:
        try:
            rapidocr = RapidOCRRunner()
        except importlib.metadata.PackageNotFoundError:
            print("rapidocr is not installed; skipping it", file=sys.stderr)
    cli = find_cli()

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ocr-compare-") as scratch:
        out_root: Path = args.out if args.out is not None else Path(scratch)
        for name in names:
            limit = args.limit if args.limit is not None else DEFAULT_LIMITS.get(name, 20)
            images = select_images(eval_dir / name, limit)
            if not images:
                print(f"warning: no images with ground truth in {name}", file=sys.stderr)
                continue
            print(f"{name}: {len(images)} page(s)", file=sys.stderr)
            runs: list[ToolRun] = []
            if tesseract is not None:
                runs.append(run_tesseract(tesseract, images, out_root / name / TESSERACT))
            for profile in profiles:
                folder = out_root / name / folder_name(profile_label(profile))
                runs.append(run_ocr_inference(cli, profile, extra_env, images, folder))
            if rapidocr is not None:
                runs.append(rapidocr.run(images))
            results.extend(score(name, run) for run in runs)
    add_ratios(results)

    command = shlex.join(["python", "bench/compare.py", *(sys.argv[1:] if argv is None else argv)])
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    machine = machine_description(tesseract, rapidocr is not None)
    print_table(results)

    chart_written = False
    if args.chart is not None:
        chart_written = write_chart(results, args.chart)
        if chart_written:
            print(f"chart: {args.chart}")
    if args.json is not None:
        payload = {
            "command": command,
            "date": date,
            "machine": machine,
            "eval_dir": str(eval_dir),
            "profiles": profiles,
            "pipeline_env": extra_env,
            "results": results,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"figures: {args.json}")
    if args.write_docs is not None:
        chart_link = None
        if args.chart is not None and (chart_written or args.chart.exists()):
            chart_link = os.path.relpath(args.chart.resolve(), args.write_docs.resolve().parent)
        section = markdown(results, command, machine, date, chart_link)
        write_section(args.write_docs, START, END, section)
        print(f"docs: {args.write_docs}")
    return 1 if any(result["errors"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
