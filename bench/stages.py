"""Where a page's time goes: seconds per page in each text stage, with the page scores.

Runs the text stages of one pipeline configuration in this process (models loaded once,
not timed) on the first N images of each set, and prints per set: CER, WER, bag-of-words
F1 and mean seconds per page for page orientation, detection, line orientation and
recognition. Use it to compare models and parameters before a full ``bench/compare.py``.

Usage::

    python bench/stages.py [--profile text-fast] [--sets sroie,funsd] [--limit 12]
                           [--set SubModules.TextRecognition.batch_size=16 ...]

``--set`` overrides one pipeline key (dotted path, value read as YAML). Layout and table
recognition are switched off: they are measured by ``bench/tables.py``. Figures only;
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

from common import DEFAULT_EVAL_DIR, ground_truth_lines, read_truth, select_images
from ocr_inference.evaluation import page_scores
from ocr_inference.pipeline import EngineConfig, Pipeline, PipelineConfig
from ocr_inference.pipeline.config import load, locate
from ocr_inference.pipeline.geometry import crop_quad

STAGES = ("orientation", "detection", "line_orientation", "recognition")


def configure(profile: str | None, overrides: list[str]) -> PipelineConfig:
    data = load(locate(profile), {})
    data.update(use_layout_detection=False, use_table_recognition=False)
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
    threshold = pipeline.config.sub_modules.text_recognition.score_thresh
    for path in images:
        image = np.asarray(Image.open(path).convert("RGB"))
        if pipeline._page_orientation is not None:
            seconds["orientation"] += pipeline._page_orientation(image).seconds
        found = pipeline._detector(image)
        seconds["detection"] += found.seconds
        crops = [crop_quad(image, quad) for quad in found.boxes]
        lines_total += len(crops)
        if pipeline._orientation is not None and crops:
            turned = pipeline._orientation(crops)
            seconds["line_orientation"] += turned.seconds
            crops = pipeline._orientation.apply(crops, turned)
        predicted = []
        if crops:
            read = pipeline._recognizer(crops)
            seconds["recognition"] += read.seconds
            predicted = [
                (text, quad.tolist())
                for quad, text, confidence in zip(
                    found.boxes, read.texts, read.confidences, strict=True
                )
                if text and confidence >= threshold
            ]
        scores.append(page_scores(ground_truth_lines(read_truth(path)), predicted, name))
    count = max(len(images), 1)
    return {
        "pages": len(images),
        "lines_per_page": lines_total / count,
        "cer": statistics.fmean(s["cer"] for s in scores) if scores else None,
        "wer": statistics.fmean(s["wer"] for s in scores) if scores else None,
        "bow_f1": statistics.fmean(s["bow_f1"] for s in scores) if scores else None,
        **{f"{stage}_s": value / count for stage, value in seconds.items()},
        "total_s": sum(seconds.values()) / count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=None, help="profile name or YAML path")
    parser.add_argument("--sets", default="sroie,funsd")
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    config = configure(args.profile, args.overrides)
    start = time.perf_counter()
    pipeline = Pipeline(config, EngineConfig(device="cpu"))
    print(
        f"models loaded in {time.perf_counter() - start:.2f} s: {[m.name for m in pipeline.models]}"
    )
    for name in args.sets.split(","):
        figures = measure(pipeline, name, select_images(args.eval_dir / name, args.limit))
        print(
            f"{name:>18}  pages {figures['pages']}  CER {100 * figures['cer']:.2f} %  "
            f"WER {100 * figures['wer']:.2f} %  F1 {100 * figures['bow_f1']:.2f} %  "
            f"lines/page {figures['lines_per_page']:.1f}  "
            + "  ".join(f"{stage} {figures[f'{stage}_s']:.3f}" for stage in STAGES)
            + f"  total {figures['total_s']:.3f} s/page"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
