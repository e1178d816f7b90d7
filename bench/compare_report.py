"""``bench/compare.py``'s output: the printed table, the docs section and the chart."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.compare_scores import FIGURES, headline
from bench.compare_tools import RAPIDOCR
from bench.machine import machine_line

START, END = "<!-- compare:start -->", "<!-- compare:end -->"
HEADERS = ["set", "tool", "pages", *(label for _, label, _ in FIGURES)]
ERROR_NOTE_CHARS = 200
REUSED = " (reused)"
# chart label position per tool: points right, points down, horizontal alignment
LABEL_OFFSETS = ((6, 4, "left"), (6, -11, "left"), (-6, 4, "right"), (-6, -11, "right"))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h")

METHOD = """\
Every tool read the same pages (all images of each set that have ground truth, or the
first `--limit` by name), image files rather than PDFs, one tool after the other on this
machine, each ocr-inference run a fresh process (no warm-up; model loading counted).
Both sides' lines go through the same `order_lines` reading order and `page_scores`
normalization (NFKC; SROIE case-insensitive, FUNSD punctuation spacing); CER and WER are
means over pages, bag-of-words F1 ignores order. Tesseract ran two ways: `tesseract`,
one process per page, one page at a time with its default threading (OpenMP in Debian's
build), pages/min over the sum of those processes' wall times; and `tesseract-parallel`,
one single-threaded process per page (`OMP_THREAD_LIMIT=1`), as many at a time as there
are usable cores, pages/min over the wall time of the whole set. Tesseract's words are
grouped by block, paragraph and line (`tsv` output). ocr-inference ran one `process`
subprocess per set and configuration (`--jobs` worker processes, `OCR_ENGINE` picking
ONNX Runtime or OpenVINO, `OCR_ENGINE_PRECISION` for OpenVINO): pages/min over that
subprocess's wall time, model loading in every worker included. Peak RSS is the largest
single process's (`ru_maxrss` from `os.wait4`, each tool forked from a small launcher,
`bench/rusage_exec.py`, so that the benchmark's own size does not count); total RSS is
the peak of the summed RSS of all the tool's processes (workers, concurrent Tesseracts),
sampled from `/proc` every 0.2 s (never below the largest process's peak), shared pages
counted once per process. `(n×)` is the figure divided by Tesseract's best on the same
set, the Tesseract run with more pages/min (named below per set); lower is better for
CER, WER and RSS, higher for F1 and pages/min. Seconds per page (each result's
`meta.seconds`, each Tesseract process's wall time) are in the JSON output."""

RAPIDOCR_METHOD = """\
RapidOCR ran in the benchmark process with its defaults, one page at a time, engine build
excluded; its pages/min come from the engine calls, its peak RSS is the benchmark
process's own high-water mark and its total RSS the benchmark process's sampled peak."""

TESTING_METHOD = """\
`tesseract_testing` has page text only, scored as one line in its source's order, so on
its multi-column pages CER and WER mostly measure reading order; its bag-of-words F1 is
the figure to compare."""


@dataclass
class Context:
    """What the report says besides the results."""

    command: str
    date: str
    machine: Mapping[str, Any]
    references: Mapping[str, str]  # set -> Tesseract run every ratio is against
    headline_tool: str | None
    reused: Sequence[Mapping[str, Any]] = ()  # [{"path", "date", "runs": ["set/tool"]}]
    chart_link: str | None = None


def cells(result: dict[str, Any]) -> list[str]:
    """A result's figures as table cells, each with its ratio to Tesseract's best."""
    pages = str(result["pages"])
    if result["missing"]:  # pages without a result are scored as empty pages
        pages += f" ({len(result['missing'])} empty)"
    tool = result["tool"] + (REUSED if result.get("reused_from") else "")
    row = [result["set"], tool, pages]
    ratios = result.get("ratios") or {}
    for key, _, formatter in FIGURES:
        text = formatter(result.get(key))
        factor = ratios.get(key)
        row.append(text if factor is None else f"{text} ({factor:.2f}×)")
    return row


def _aligned(row: list[str], widths: list[int]) -> str:
    pairs = enumerate(zip(row, widths, strict=True))
    return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs)


def _commands(results: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(tool, command and the engines its results reported) once per tool."""
    seen: dict[str, str] = {}
    for result in results:
        if result["tool"] in seen:
            continue
        text = f"`{result['command']}`"
        models = result.get("models") or []
        reported = [m for m in models if "engine" in m]
        if reported:
            text += "; models ran on " + ", ".join(
                f"{m.get('name', '?')}: {m['engine']}"
                + (f" {m['precision']}" if m.get("precision") else "")
                for m in reported
            )
        seen[result["tool"]] = text
    return list(seen.items())


def print_table(results: list[dict[str, Any]], context: Context) -> None:
    """Print the machine, every set and tool as one aligned table, commands, headline."""
    print(f"Machine: {machine_line(context.machine)}")
    print()
    rows = [cells(result) for result in results]
    widths = [max(len(row[i]) for row in [HEADERS, *rows]) for i in range(len(HEADERS))]
    print(_aligned(HEADERS, widths))
    previous = None
    for row in rows:
        if previous is not None and row[0] != previous:
            print()
        previous = row[0]
        print(_aligned(row, widths))
    print()
    print("(n×) = the figure over Tesseract's best on the same set: " + _references(context))
    for tool, command in _commands(results):
        print(f"{tool}: {command}")
    for group in context.reused:
        print(_reused(group))
    for result in results:
        for error in result["errors"]:
            print(f"error: {result['set']}/{result['tool']}: {error}")
        if result["missing"]:
            shown = ", ".join(result["missing"][:10])
            print(
                f"{result['set']}/{result['tool']}: no result for "
                f"{len(result['missing'])} page(s), scored empty: {shown}"
            )
    if context.headline_tool is not None:
        print()
        print(f"Headline, {context.headline_tool}:")
        for line in headline(results, context.headline_tool):
            print(f"  {line}")


def _references(context: Context) -> str:
    pairs = [f"{name}: {tool}" for name, tool in context.references.items()]
    return "; ".join(pairs) if pairs else "no Tesseract run, no ratios"


def _reused(reused: Mapping[str, Any]) -> str:
    runs = ", ".join(reused["runs"])
    return f"Reused from `{reused['path']}` (run on {reused['date']}): {runs}."


def _method(results: list[dict[str, Any]]) -> list[str]:
    text = [METHOD]
    if any(result["tool"] == RAPIDOCR for result in results):
        text.append(RAPIDOCR_METHOD)
    if any(result["set"] == "tesseract_testing" for result in results):
        text.append(TESTING_METHOD)
    return "\n".join(text).splitlines()


def markdown(results: list[dict[str, Any]], context: Context) -> str:
    """The docs section, markers included."""
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
    top = context.headline_tool
    lines = headline(results, top) if top is not None else []
    return "\n".join(
        [
            START,
            "## ocr-inference vs Tesseract 5",
            "",
            f"Command: `{context.command}`, run on {context.date}.",
            "",
            f"Machine: {machine_line(context.machine)}",
            "",
            *_method(results),
            "",
            f"Tesseract's best, the reference of every `(n×)`: {_references(context)}.",
            *(line for group in context.reused for line in ("", _reused(group))),
            *(["", f"Headline, {top}:", "", *(f"- {line}" for line in lines)] if lines else []),
            "",
            *(f"- {tool}: {command}" for tool, command in _commands(results)),
            "",
            *rows,
            *(["", "Failures (their pages are scored as empty):", *failures] if failures else []),
            *(
                ["", f"![pages/min against CER per tool and set]({context.chart_link})"]
                if context.chart_link
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
    figure, axes = plt.subplots(figsize=(9, 6))
    for index, tool in enumerate(dict.fromkeys(result["tool"] for result in results)):
        points = [
            r
            for r in results
            if r["tool"] == tool and r["pages_per_minute"] and r["mean_cer"] is not None
        ]
        if not points:
            continue
        xs = [r["pages_per_minute"] for r in points]
        ys = [100 * r["mean_cer"] for r in points]
        axes.scatter(xs, ys, marker=MARKERS[index % len(MARKERS)], s=60, label=tool)
        dx, dy, align = LABEL_OFFSETS[index % len(LABEL_OFFSETS)]
        for r, x, y in zip(points, xs, ys, strict=True):
            axes.annotate(
                r["set"], (x, y), textcoords="offset points", xytext=(dx, dy), ha=align, fontsize=8
            )
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(ScalarFormatter())
    axes.xaxis.set_minor_formatter(ScalarFormatter())
    axes.set_ylim(bottom=0)
    axes.set_xlabel("pages per minute (log scale; right is faster)")
    axes.set_ylabel("CER % (lower is better)")
    axes.set_title("Speed against character error rate, per tool and data set")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True
