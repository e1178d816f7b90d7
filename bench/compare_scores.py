"""Scoring ``bench/compare.py``'s runs: per-page scores, the figures per tool and set, the
ratios to Tesseract's best, and the headline of one ocr-inference configuration."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import ground_truth_lines, number, percent, read_truth
from bench.compare_tesseract import TESSERACT_TOOLS
from bench.compare_tools import RAPIDOCR, ToolRun
from ocr_dev.evaluation import page_scores

KIB_PER_MIB = 1024
# (key in a result, label, formatter) of every figure compared with Tesseract's best
FIGURES: tuple[tuple[str, str, Callable[[float | None], str]], ...] = (
    ("mean_cer", "CER %", percent),
    ("mean_wer", "WER %", percent),
    ("mean_bow_f1", "BoW F1 %", percent),
    ("pages_per_minute", "pages/min", lambda value: number(value, 1)),
    ("peak_rss_mib", "peak RSS MiB", lambda value: number(value, 0)),
    ("total_rss_mib", "total RSS MiB", lambda value: number(value, 0)),
)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolation percentile (``fraction`` in 0..1), or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mib(kib: int | None) -> float | None:
    return None if kib is None else kib / KIB_PER_MIB


def _total(run: ToolRun) -> int | None:
    """The sampled peak of the summed RSS, raised to the largest process's own peak where
    sampling every 0.2 s missed it: the sum is never below any one of its processes."""
    if run.total_rss_kib is None or run.peak_rss_kib is None:
        return run.total_rss_kib
    return max(run.total_rss_kib, run.peak_rss_kib)


def score(set_name: str, run: ToolRun) -> dict[str, Any]:
    """Score every page of a tool's run and summarize it."""
    per_page: list[dict[str, Any]] = []
    for page in run.pages:
        truth = ground_truth_lines(read_truth(page.image))
        scores = page_scores(truth, page.lines or [], set_name)
        per_page.append({"image": page.image.name, **scores, "seconds": page.seconds})
    count = len(per_page)
    seconds = [page.seconds for page in run.pages if page.seconds is not None]
    read_any = any(page.lines is not None for page in run.pages)
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
            60 * count / run.throughput_seconds if run.throughput_seconds > 0 and read_any else None
        ),
        "mean_seconds_per_page": statistics.fmean(seconds) if seconds else None,
        "p95_seconds_per_page": percentile(seconds, 0.95),
        "peak_rss_mib": _mib(run.peak_rss_kib),
        "total_rss_mib": _mib(_total(run)),
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


def tesseract_best(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per set, the Tesseract run with the most pages/min."""
    best: dict[str, dict[str, Any]] = {}
    for result in results:
        if result["tool"] not in TESSERACT_TOOLS or result["pages_per_minute"] is None:
            continue
        current = best.get(result["set"])
        if current is None or result["pages_per_minute"] > current["pages_per_minute"]:
            best[result["set"]] = result
    return best


def add_ratios(results: list[dict[str, Any]]) -> dict[str, str]:
    """Give each result ``reference`` and ``ratios``: every figure over Tesseract's best
    on the same set (None for that run itself). Returns the reference tool per set."""
    best = tesseract_best(results)
    for result in results:
        base = best.get(result["set"])
        result["reference"] = None if base is None else base["tool"]
        if base is None or result is base:
            result["ratios"] = None
            continue
        result["ratios"] = {key: ratio(result[key], base[key]) for key, _, _ in FIGURES}
    return {name: base["tool"] for name, base in best.items()}


# The engine issue's targets: CER at most this share of the best of Tesseract and RapidOCR
# per set (1.0 elsewhere), pages/min at least Tesseract's best, peak RSS at most 800 MiB.
CER_TARGETS = {"funsd": 0.9, "docbank": 0.9}
PEAK_RSS_TARGET_MIB = 800


def _verdict(met: bool) -> str:
    return "met" if met else "missed"


def headline(results: list[dict[str, Any]], tool: str) -> list[str]:
    """Per set, ``tool``'s CER against the best of Tesseract and RapidOCR, its pages/min
    against Tesseract's best and its peak RSS, each with its target met or missed."""
    lines: list[str] = []
    for name in dict.fromkeys(result["set"] for result in results):
        mine = next((r for r in results if r["set"] == name and r["tool"] == tool), None)
        if mine is None:
            continue
        others = [
            r
            for r in results
            if r["set"] == name
            and r["tool"] in (*TESSERACT_TOOLS, RAPIDOCR)
            and r["mean_cer"] is not None
        ]
        text = f"{name}: CER {percent(mine['mean_cer'])} %"
        if others:
            rival = min(others, key=lambda r: r["mean_cer"])
            factor = ratio(mine["mean_cer"], rival["mean_cer"])
            bound = CER_TARGETS.get(name, 1.0)
            text += f" vs {percent(rival['mean_cer'])} % ({rival['tool']}, lowest of the others)"
            if factor is not None:
                text += f" = {factor:.2f}× (target ≤ {bound:.1f}×: {_verdict(factor <= bound)})"
        text += f"; {number(mine['pages_per_minute'], 1)} pages/min"
        speed = (mine.get("ratios") or {}).get("pages_per_minute")
        if speed is not None:
            text += f" = {speed:.2f}× {mine['reference']}'s (target ≥ 1×: {_verdict(speed >= 1)})"
        peak = mine.get("peak_rss_mib")
        if peak is not None:
            met = _verdict(peak <= PEAK_RSS_TARGET_MIB)
            text += f"; peak RSS {number(peak, 0)} MiB (target ≤ {PEAK_RSS_TARGET_MIB}: {met})"
        lines.append(text)
    return lines
