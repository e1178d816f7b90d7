"""Where a page's time goes: seconds per page in each stage, with the page scores.

Runs one pipeline configuration in this process (models loaded once, not timed) on the
first N images of each set, and prints per set: CER, WER, bag-of-words F1, and mean
seconds per page in each stage, read from the result's ``meta.stage_seconds``. Use it to
compare models, engines, precisions and parameters before a full ``bench/compare.py``.

Usage::

    python -m bench.stages [--profile text-fast] [--sets sroie,funsd] [--limit 12]
                           [--engine openvino] [--precision bf16] [--threads 2]
                           [--set SubModules.TextRecognition.batch_size=16 ...]

``--set`` overrides one pipeline key (dotted path, value read as YAML). Figures only;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from PIL import Image

from bench.common import DEFAULT_EVAL_DIR, ground_truth_lines, read_truth, select_images
from ocr_dev.evaluation import page_scores
from ocr_inference.documents import Page
from ocr_inference.pipeline import EngineConfig, Pipeline, PipelineConfig
from ocr_inference.pipeline.pipeline_file import load, locate

STAGES = (
    "page_orientation",
    "text_detection",
    "textline_orientation",
    "text_recognition",
    "layout",
    "tables",
)


def configure(profile: str | None, overrides: list[str]) -> PipelineConfig:
    data = load(locate(profile), {})
    for item in overrides:
        key, _, raw = item.partition("=")
        target = data
        *parents, leaf = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = yaml.safe_load(raw)
    return PipelineConfig.model_validate(data)


def measure(pipeline: Pipeline, name: str, images: list[Path]) -> dict[str, Any]:
    """Seconds per stage and scores for each page of one set."""
    seconds = dict.fromkeys(STAGES, 0.0)
    scores = []
    lines_total = 0
    wall = 0.0
    for path in images:
        image = np.asarray(Image.open(path).convert("RGB"))
        start = time.perf_counter()
        result = pipeline.run([Page(1, image, None)])
        wall += time.perf_counter() - start
        for stage, spent in result.meta.stage_seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + spent
        lines_total += len(result.detections)
        predicted = [(d.text, d.box) for d in result.detections]
        scores.append(page_scores(ground_truth_lines(read_truth(path)), predicted, name))
    count = max(len(images), 1)
    return {
        "pages": len(images),
        "lines_per_page": lines_total / count,
        "cer": statistics.fmean(s["cer"] for s in scores) if scores else None,
        "wer": statistics.fmean(s["wer"] for s in scores) if scores else None,
        "bow_f1": statistics.fmean(s["bow_f1"] for s in scores) if scores else None,
        **{f"{stage}_s": value / count for stage, value in seconds.items()},
        "total_s": wall / count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=None, help="profile name or YAML path")
    parser.add_argument("--sets", default="sroie,funsd,docbank")
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N images")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--engine", default="auto", choices=["auto", "onnxruntime", "openvino"])
    parser.add_argument("--precision", default="auto", choices=["auto", "f32", "bf16"])
    parser.add_argument("--threads", type=int, default=0, help="0: the usable cores")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    config = configure(args.profile, args.overrides)
    engine = EngineConfig(
        device="cpu", engine=args.engine, precision=args.precision, threads=args.threads
    )
    start = time.perf_counter()
    pipeline = Pipeline(config, engine)
    print(
        f"models loaded in {time.perf_counter() - start:.2f} s: "
        + ", ".join(f"{m.name} ({m.engine}, {m.precision})" for m in pipeline.models)
    )
    for name in args.sets.split(","):
        images = select_images(args.eval_dir / name, args.skip + args.limit)[args.skip :]
        figures = measure(pipeline, name, images)
        print(
            f"{name:>8}  pages {figures['pages']}  CER {100 * figures['cer']:.2f} %  "
            f"WER {100 * figures['wer']:.2f} %  F1 {100 * figures['bow_f1']:.2f} %  "
            f"lines/page {figures['lines_per_page']:.1f}  "
            + "  ".join(f"{stage} {figures[f'{stage}_s']:.3f}" for stage in STAGES)
            + f"  total {figures['total_s']:.3f} s/page",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
