"""Compare ocr-inference with Tesseract 5 (and optionally RapidOCR) on the same pages.

Every image with ground truth of the sets sroie, funsd and docbank of ``../shared/eval``
(``--sets``, ``--limit N`` for the first N by name) goes through every tool, one tool
after the other, in this one run on this one machine:

* ``tesseract``: one ``tesseract IMAGE - -l eng --psm 3 tsv`` process per page, one at a
  time, default threading; ``tesseract-parallel``: the same with ``OMP_THREAD_LIMIT=1``,
  one process per usable core at a time (``bench/compare_tesseract.py``). Installed with
  ``apt-get`` when missing and running as root (``--setup`` only installs it).
* ``ocr-inference`` for each ``--profile`` and ``--engine`` (openvino once per
  ``--precision``): ONE ``ocr-inference process <pages> --output DIR --jobs J``
  subprocess per set with ``OCR_ENGINE`` (and ``OCR_ENGINE_PRECISION``,
  ``OCR_PIPELINE_CONFIG``, ``--pipeline-env``) set; pages/min over its wall time, model
  loading included.
* ``rapidocr`` (``--with-rapidocr``): RapidOCR's defaults in this process.

Scores: CER, WER and bag-of-words F1 (``ocr_dev.evaluation.page_scores``);
pages/min; peak RSS of the largest process and the peak of the tool's processes' summed
RSS (``bench/measure.py``). Every ``(n×)`` is against Tesseract's best: per set, the
Tesseract run with more pages/min. ``--reuse`` takes the Tesseract and RapidOCR runs of
an earlier ``--json`` output made on the same CPU model over the same pages.

Usage::

    python -m bench.compare [--eval-dir ../shared/eval] [--sets sroie,funsd] [--limit N]
                            [--profile NAME]... [--engine onnxruntime|openvino]...
                            [--precision f32|bf16]... [--jobs J]
                            [--pipeline-env KEY=VALUE]... [--with-rapidocr]
                            [--no-tesseract] [--reuse PATH [--reuse-tools LABELS]]
                            [--out DIR] [--json PATH] [--write-docs docs/benchmarks.md]
                            [--chart docs/benchmark-speed-vs-cer.png]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import add_page_set_arguments, find_cli, page_sets, select_images, write_section
from bench.compare_report import END, START, Context, markdown, print_table, write_chart
from bench.compare_reuse import Key, earlier_machine, reusable_runs, reused_groups
from bench.compare_scores import add_ratios, score
from bench.compare_tesseract import (
    TESSERACT_PACKAGES,
    TESSERACT_PARALLEL,
    TESSERACT_TOOLS,
    ensure_tesseract,
    run_tesseract,
    run_tesseract_parallel,
)
from bench.compare_tools import (
    DEFAULT_PRECISION,
    DEFAULT_PROFILE,
    ENGINES,
    PRECISIONS,
    RAPIDOCR,
    RapidOCRRunner,
    ToolRun,
    Variant,
    run_ocr_inference,
    variants,
)
from bench.machine import cpu_info, machine_record, usable_cores

SETS = ("sroie", "funsd", "docbank")
REUSE_TOOLS = (*TESSERACT_TOOLS, RAPIDOCR)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="ocr-inference against Tesseract 5 on the same pages of ../shared/eval."
    )
    add_page_set_arguments(parser, sets=SETS, all_pages=True)
    add = parser.add_argument
    add(
        "--profile",
        action="append",
        metavar="NAME",
        help="ocr-inference pipeline profile, repeatable: 'default' (OCR_PIPELINE_CONFIG "
        "unset), a packaged profile name or a YAML path (default: default)",
    )
    add("--engine", action="append", choices=ENGINES, help="OCR_ENGINE, repeatable (default: all)")
    add(
        "--precision",
        action="append",
        choices=PRECISIONS,
        help="OCR_ENGINE_PRECISION of the openvino runs, repeatable "
        f"(default: {DEFAULT_PRECISION})",
    )
    add(
        "--jobs",
        type=int,
        default=usable_cores(),
        help="ocr-inference process --jobs (default: usable cores, %(default)s here)",
    )
    add(
        "--pipeline-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment of the ocr-inference runs, repeatable",
    )
    add("--with-rapidocr", action="store_true", help="also run RapidOCR's defaults in process")
    add("--no-tesseract", action="store_true", help="run neither Tesseract mode")
    add("--no-install", action="store_true", help="never apt-get install Tesseract")
    add("--setup", action="store_true", help="install Tesseract if missing (root), then exit")
    add("--reuse", type=Path, metavar="PATH", help="take runs from this earlier --json output")
    add(
        "--reuse-tools",
        default=",".join(REUSE_TOOLS),
        metavar="LABELS",
        help="comma-separated tool labels --reuse may take (default: %(default)s)",
    )
    add("--out", type=Path, metavar="DIR", help="keep outputs in DIR/<set>/<tool>/")
    add("--json", type=Path, metavar="PATH", help="write the raw figures here")
    add("--write-docs", type=Path, metavar="PATH", help="rewrite the compare section of PATH")
    add("--chart", type=Path, metavar="PATH", help="write the speed/CER chart")
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


@dataclass
class Plan:
    """What to run on each set, and what is taken from an earlier run instead."""

    tools: list[str]  # labels in table order
    variants: dict[str, Variant]
    extra_env: dict[str, str]
    jobs: int
    reused: dict[Key, dict[str, Any]] = field(default_factory=dict)
    tesseract: str | None = None
    rapidocr: RapidOCRRunner | None = None

    def needs(self, tool: str, sets: Sequence[str]) -> bool:
        """Whether some set must run ``tool`` (not all are reused)."""
        return any((name, tool) not in self.reused for name in sets)


def make_plan(args: argparse.Namespace, extra_env: dict[str, str], images: dict[str, Any]) -> Plan:
    """The tools to run; Tesseract and RapidOCR set up only when some set runs them."""
    chosen = variants(
        list(dict.fromkeys(args.profile or [DEFAULT_PROFILE])),
        list(dict.fromkeys(args.engine or ENGINES)),
        list(dict.fromkeys(args.precision or [DEFAULT_PRECISION])),
    )
    tools = [] if args.no_tesseract else list(TESSERACT_TOOLS)
    tools += [variant.label for variant in chosen]
    tools += [RAPIDOCR] if args.with_rapidocr else []
    plan = Plan(tools, {v.label: v for v in chosen}, extra_env, args.jobs)
    if args.reuse is not None:
        pages = {name: [image.name for image in found] for name, found in images.items()}
        wanted = {tool.strip() for tool in args.reuse_tools.split(",")}
        plan.reused = reusable_runs(args.reuse, pages, cpu_info()[0], wanted & set(tools))
    if any(plan.needs(tool, list(images)) for tool in TESSERACT_TOOLS if tool in tools):
        plan.tesseract = ensure_tesseract(install=not args.no_install)
    if RAPIDOCR in tools and plan.needs(RAPIDOCR, list(images)):
        try:
            plan.rapidocr = RapidOCRRunner()
        except ImportError:
            print("rapidocr is not installed; skipping it", file=sys.stderr)
    return plan


def run_tool(plan: Plan, tool: str, images: list[Path], out_dir: Path) -> ToolRun | None:
    """One tool over one set's pages, or None when it cannot run here."""
    if tool in plan.variants:
        variant = plan.variants[tool]
        return run_ocr_inference(find_cli(), variant, plan.extra_env, plan.jobs, images, out_dir)
    if tool == RAPIDOCR:
        return None if plan.rapidocr is None else plan.rapidocr.run(images)
    if plan.tesseract is None:
        return None
    if tool == TESSERACT_PARALLEL:
        return run_tesseract_parallel(plan.tesseract, images, out_dir, usable_cores())
    return run_tesseract(plan.tesseract, images, out_dir)


def run_all(plan: Plan, images: dict[str, list[Path]], out_root: Path) -> list[dict[str, Any]]:
    """Every tool over every set, or its reused result; scored."""
    results: list[dict[str, Any]] = []
    for name, pages in images.items():
        print(f"{name}: {len(pages)} page(s)", file=sys.stderr)
        for tool in plan.tools:
            if (name, tool) in plan.reused:
                print(f"  {tool}: reused", file=sys.stderr)
                results.append(plan.reused[(name, tool)])
                continue
            run = run_tool(plan, tool, pages, out_root / name / folder_name(tool))
            if run is not None:
                results.append(score(name, run))
    return results


def machine_for(plan: Plan, results: list[dict[str, Any]], reuse: Path | None) -> dict[str, Any]:
    """This machine's record; Tesseract's version from the reused record when not run."""
    machine = machine_record(plan.tesseract, TESSERACT_PACKAGES)
    reused_tesseract = any(r["tool"] in TESSERACT_TOOLS and r.get("reused_from") for r in results)
    if plan.tesseract is None and reused_tesseract and reuse is not None:
        earlier = earlier_machine(reuse).get("tesseract", "unknown")
        machine["tesseract"] = f"{earlier} (as recorded with the reused runs)"
    return machine


def write_outputs(
    args: argparse.Namespace,
    results: list[dict[str, Any]],
    context: Context,
    payload: dict[str, Any],
) -> None:
    """The chart, the JSON and the docs section that were asked for."""
    chart_written = False
    if args.chart is not None:
        chart_written = write_chart(results, args.chart)
        if chart_written:
            print(f"chart: {args.chart}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"figures: {args.json}")
    if args.write_docs is not None:
        if args.chart is not None and (chart_written or args.chart.exists()):
            context.chart_link = os.path.relpath(
                args.chart.resolve(), args.write_docs.resolve().parent
            )
        write_section(args.write_docs, START, END, markdown(results, context))
        print(f"docs: {args.write_docs}")


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; return the process exit status."""
    args = parse_args(argv)
    if args.setup:
        return 0 if ensure_tesseract(install=True) else 1
    names = page_sets(args)
    extra_env = parse_environment(args.pipeline_env)
    if names is None or extra_env is None or args.jobs < 1:
        if extra_env is None:
            print("error: --pipeline-env takes KEY=VALUE", file=sys.stderr)
        if args.jobs < 1:
            print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    images = {name: select_images(args.eval_dir / name, args.limit) for name in names}
    for name in [name for name, found in images.items() if not found]:
        print(f"warning: no images with ground truth in {name}", file=sys.stderr)
        del images[name]
    plan = make_plan(args, extra_env, images)
    with tempfile.TemporaryDirectory(prefix="ocr-compare-") as scratch:
        results = run_all(plan, images, args.out if args.out is not None else Path(scratch))
    references = add_ratios(results)

    now = datetime.datetime.now(datetime.UTC)
    arguments = sys.argv[1:] if argv is None else argv
    context = Context(
        command=shlex.join(["python", "-m", "bench.compare", *arguments]),
        date=now.strftime("%Y-%m-%d"),
        machine=machine_for(plan, results, args.reuse),
        references=references,
        headline_tool=next(iter(plan.variants), None),
        reused=reused_groups(results),
    )
    print_table(results, context)
    payload = {
        "command": context.command,
        "date": context.date,
        "datetime": now.isoformat(timespec="seconds"),
        "machine": context.machine,
        "eval_dir": str(args.eval_dir),
        "pages": {name: [image.name for image in found] for name, found in images.items()},
        "jobs": args.jobs,
        "pipeline_env": extra_env,
        "references": references,
        "reused": context.reused,
        "results": results,
    }
    write_outputs(args, results, context, payload)
    return 1 if any(result["errors"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
