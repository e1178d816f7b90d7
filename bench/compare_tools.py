"""The tools ``bench/compare.py`` runs, besides Tesseract: ocr-inference and RapidOCR.

Each run covers one set's pages and returns a ``ToolRun``: the lines read per page, the
seconds that give pages/min, the largest process's peak RSS and the peak of the summed
RSS of the tool's processes (``bench/measure.py``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import resource
import shlex
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import PageResult, process_command, read_results
from bench.measure import TreeRss, run_measured
from ocr_dev.evaluation import BoxedLine

DEFAULT_PROFILE = "default"
ENGINES = ("onnxruntime", "openvino")
PRECISIONS = ("f32", "bf16")
DEFAULT_PRECISION = "f32"
RAPIDOCR = "rapidocr"
TAIL_CHARS = 3000
# variables a variant sets; removed from the inherited environment first
VARIANT_VARIABLES = ("OCR_PIPELINE_CONFIG", "OCR_ENGINE", "OCR_ENGINE_PRECISION")


@dataclass
class ToolRun:
    """One tool's run over one set's pages."""

    tool: str
    command: str
    pages: list[PageResult]
    throughput_seconds: float  # pages/min = 60 * pages / this
    peak_rss_kib: int | None  # the largest single process
    total_rss_kib: int | None  # peak of the sum over the tool's processes
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


# --- ocr-inference --------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One ocr-inference configuration: pipeline profile, engine and its precision."""

    profile: str
    engine: str
    precision: str | None  # openvino only

    @property
    def label(self) -> str:
        """Tool name in tables and the chart: ``ocr-inference [default, openvino]``."""
        profile = self.profile
        if "/" in profile or profile.endswith((".yaml", ".yml")):
            profile = Path(profile).name
        parts = [profile, self.engine]
        if self.precision not in (None, DEFAULT_PRECISION):
            parts.append(self.precision)
        return f"ocr-inference [{', '.join(parts)}]"

    def overrides(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The variables this variant sets, ``--pipeline-env`` last."""
        env = {"OCR_ENGINE": self.engine}
        if self.precision is not None:
            env["OCR_ENGINE_PRECISION"] = self.precision
        if self.profile != DEFAULT_PROFILE:
            env["OCR_PIPELINE_CONFIG"] = self.profile
        return {**env, **extra}


def variants(profiles: list[str], engines: list[str], precisions: list[str]) -> list[Variant]:
    """Every profile with every engine; openvino once per precision."""
    return [
        Variant(profile, engine, precision)
        for profile in profiles
        for engine in engines
        for precision in (precisions if engine == "openvino" else [None])
    ]


@functools.cache
def supports_jobs(cli: Path) -> bool:
    """Whether this ``ocr-inference process`` has ``--jobs`` (its help lists it)."""
    completed = subprocess.run(
        [str(cli), "process", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    return "--jobs" in completed.stdout + completed.stderr


def engines_used(images: list[Path], out_dir: Path) -> list[dict[str, Any]]:
    """Distinct ``meta.models`` entries of the results (name, engine, precision where the
    results carry them), as the pipeline reported them."""
    seen: dict[str, dict[str, Any]] = {}
    for image in images:
        path = out_dir / f"{image.stem}.json"
        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("meta", {})
        except (OSError, ValueError):
            continue
        for model in meta.get("models", []):
            entry = {key: model[key] for key in ("name", "engine", "precision") if key in model}
            if "device" in meta:
                entry["device"] = meta["device"]
            seen.setdefault(json.dumps(entry, sort_keys=True), entry)
    return list(seen.values())


def run_ocr_inference(
    cli: Path,
    variant: Variant,
    extra_env: Mapping[str, str],
    jobs: int,
    images: list[Path],
    out_dir: Path,
) -> ToolRun:
    """ONE ``ocr-inference process`` subprocess (with ``--jobs``) over a set's pages."""
    command = process_command(cli, images, out_dir)
    job_args = ["--jobs", str(jobs)] if supports_jobs(cli) else []
    if not job_args:
        print("  (this ocr-inference has no --jobs option; not passing it)", file=sys.stderr)
    overrides = variant.overrides(extra_env)
    env = {k: v for k, v in os.environ.items() if k not in VARIANT_VARIABLES}
    print(f"  {variant.label}: {len(images)} page(s) in one process", file=sys.stderr)
    with TreeRss() as total:
        measured = run_measured([*command, *job_args], env={**env, **overrides})

    errors: list[str] = []
    if measured.returncode != 0:
        tail = (measured.stdout + measured.stderr)[-TAIL_CHARS:]
        errors.append(f"exit {measured.returncode}: {tail}")
    pages = read_results(images, out_dir)
    errors += [f"{page.image.name}: no result" for page in pages if page.lines is None]
    prefix = " ".join(f"{key}={shlex.quote(value)}" for key, value in overrides.items())
    shown = ["ocr-inference", "process", "<the set's pages>", "--output", "DIR", *job_args]
    return ToolRun(
        tool=variant.label,
        command=f"{prefix} {' '.join(shown)}",
        pages=pages,
        throughput_seconds=measured.seconds,
        peak_rss_kib=measured.max_rss_kib,
        total_rss_kib=total.peak_kib,
        errors=errors,
        extra={
            "profile": variant.profile,
            "engine": variant.engine,
            "precision": variant.precision,
            "jobs": jobs if job_args else None,
            "environment": overrides,
            "wall_seconds": measured.seconds,
            "models": engines_used(images, out_dir),
        },
    )


# --- RapidOCR -------------------------------------------------------------------------


class RapidOCRRunner:
    """RapidOCR with its defaults, in this process; the engine is built once, untimed."""

    def __init__(self) -> None:
        self.engine: Any = None  # built on first use, so never alongside the other tools
        self.build_seconds = 0.0
        self.version = importlib.metadata.version("rapidocr")

    def _read(self, image: Path) -> tuple[list[BoxedLine] | None, float, str | None]:
        """Lines of one page, its seconds, and the error that stopped it if any."""
        started = time.perf_counter()
        try:
            output = self.engine(str(image))
        except Exception as exc:  # report and score as empty, like a missing result
            return None, time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        # RapidOCR's full pipeline returns a RapidOCROutput; None fields: nothing found
        boxes, texts = getattr(output, "boxes", None), getattr(output, "txts", None)
        lines: list[BoxedLine] = []
        if boxes is not None and texts is not None:
            lines = [(text, box.tolist()) for text, box in zip(texts, boxes, strict=True)]
        return lines, seconds, None

    def run(self, images: list[Path]) -> ToolRun:
        """Every page through the engine, one after the other."""
        if self.engine is None:
            from rapidocr import RapidOCR

            started = time.perf_counter()
            self.engine = RapidOCR()
            self.build_seconds = time.perf_counter() - started
        pages: list[PageResult] = []
        errors: list[str] = []
        with TreeRss(min_depth=0) as total:
            for index, image in enumerate(images, 1):
                print(f"  rapidocr {index}/{len(images)} {image.name}", file=sys.stderr)
                lines, seconds, error = self._read(image)
                if error is not None:
                    errors.append(f"{image.name}: {error}")
                pages.append(PageResult(image, lines, seconds))
        return ToolRun(
            tool=RAPIDOCR,
            command="RapidOCR()(IMAGE)",
            pages=pages,
            throughput_seconds=sum(page.seconds or 0.0 for page in pages),
            # this process's high-water mark, earlier sets included
            peak_rss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            total_rss_kib=total.peak_kib,
            errors=errors,
            extra={"engine_build_seconds": self.build_seconds, "version": self.version},
        )
