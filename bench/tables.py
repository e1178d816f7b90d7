"""Table recognition benchmark on ../shared/eval: TEDS and TEDS-struct on PubTabNet table
crops and on ICDAR-2013 full pages (where layout detection must find each table first),
and precision/recall of layout table blocks against the ICDAR table boxes at IoU 0.5.

    python -m bench.tables [--eval-dir ../shared/eval] [--pubtabnet 40] [--icdar 60]
                           [--json] [--write-docs docs/benchmarks.md]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from statistics import mean
from typing import Any

import numpy as np
from PIL import Image

from ocr_dev.table_metrics import teds
from ocr_inference.config import Settings
from ocr_inference.documents import Page
from ocr_inference.pipeline import Pipeline

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
START, END = "<!-- tables:start -->", "<!-- tables:end -->"
Rect = tuple[float, float, float, float]


def rect_of(points: Sequence[Sequence[float]]) -> Rect:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def iou(a: Rect, b: Rect) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def load(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def pubtabnet(pipeline: Pipeline, folder: Path, limit: int) -> dict[str, Any]:
    scores, structs, seconds = [], [], []
    for image_path in sorted(folder.glob("*.png"))[:limit]:
        truth = json.loads(image_path.with_suffix(".json").read_text())["html"]
        start = time.perf_counter()
        predicted = pipeline.run_table(load(image_path)).html
        seconds.append(time.perf_counter() - start)
        scores.append(teds(predicted, truth))
        structs.append(teds(predicted, truth, structure_only=True))
    return {
        "set": "pubtabnet (crops)",
        "tables": len(scores),
        "teds": mean(scores),
        "teds_struct": mean(structs),
        "seconds_per_item": mean(seconds),
    }


def icdar(pipeline: Pipeline, folder: Path, limit: int) -> dict[str, Any]:
    truths: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(folder.glob("*.json")):
        item = json.loads(path.read_text())
        truths[item["image"]].append(item)
    scores, structs, seconds = [], [], []
    true_positives = predicted_blocks = true_tables = 0
    for image_name in sorted(truths)[:limit]:
        start = time.perf_counter()
        result = pipeline.run([Page(1, load(folder / image_name), None)], 1)
        seconds.append(time.perf_counter() - start)
        blocks = [rect_of(b.box) for b in result.layout if b.label == "table"]
        tables = [(rect_of(t.box), t.html) for t in result.tables]
        predicted_blocks += len(blocks)
        used: set[int] = set()
        for truth in truths[image_name]:
            true_tables += 1
            box = rect_of(truth["table_box"])
            overlaps = [(iou(box, b), i) for i, b in enumerate(blocks) if i not in used]
            best = max(overlaps, default=(0.0, -1))
            if best[0] >= 0.5:
                used.add(best[1])
                true_positives += 1
            match = max(((iou(box, r), html) for r, html in tables), default=(0.0, ""))
            html = match[1] if match[0] >= 0.5 else ""
            scores.append(teds(html, truth["html"]))
            structs.append(teds(html, truth["html"], structure_only=True))
    return {
        "set": "icdar2013 (full pages)",
        "pages": len(seconds),
        "tables": true_tables,
        "teds": mean(scores),
        "teds_struct": mean(structs),
        "layout_precision": true_positives / predicted_blocks if predicted_blocks else 0.0,
        "layout_recall": true_positives / true_tables if true_tables else 0.0,
        "seconds_per_item": mean(seconds),
    }


def markdown(results: list[dict[str, Any]], command: str) -> str:
    rows = [
        "| set | items | TEDS | TEDS-struct | table P@0.5 | table R@0.5 | s/item |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        p = f"{r['layout_precision']:.1%}" if "layout_precision" in r else "–"
        rc = f"{r['layout_recall']:.1%}" if "layout_recall" in r else "–"
        items = f"{r['tables']} tables" + (f" on {r['pages']} pages" if "pages" in r else "")
        rows.append(
            f"| {r['set']} | {items} | {r['teds']:.1%} | {r['teds_struct']:.1%} | {p} | {rc} "
            f"| {r['seconds_per_item']:.2f} |"
        )
    machine = f"{platform.machine()}, {platform.python_version()}, CPU"
    return "\n".join(
        [
            START,
            "## Tables",
            "",
            f"Command: `{command}` ({machine}; model loading excluded).",
            "TEDS as in the PubTabNet paper, with thead/tbody flattened on both sides; an ICDAR",
            "table that layout detection did not find scores 0.",
            "",
            *rows,
            END,
        ]
    )


def write_docs(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--pubtabnet", type=int, default=40, help="table crops to score")
    parser.add_argument("--icdar", type=int, default=60, help="pages to score")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-docs", type=Path)
    args = parser.parse_args()
    if not (args.eval_dir / "pubtabnet").is_dir():
        print(f"evaluation documents not found in {args.eval_dir}", file=sys.stderr)
        return 2
    settings = Settings()
    pipeline = Pipeline(settings.pipeline, settings.engine_config(), model_dir=settings.model_dir)
    results = [
        pubtabnet(pipeline, args.eval_dir / "pubtabnet", args.pubtabnet),
        icdar(pipeline, args.eval_dir / "icdar2013_tables", args.icdar),
    ]
    command = "python -m bench.tables " + " ".join(sys.argv[1:])
    section = markdown(results, command.strip())
    print(json.dumps(results, indent=2) if args.json else section)
    if args.write_docs:
        write_docs(args.write_docs, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
