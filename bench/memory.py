"""Where a process's memory goes: the working memory of text detection by input size and
engine, and a pipeline's resident memory over a run of pages.

Each detection figure comes from a fresh process (``python -m bench.memory --one ...``):
the model is loaded, run once on a blank input of that size, and the growth of the peak
RSS over the RSS after loading is reported. The run over pages loads the default pipeline
and prints the RSS after every few pages and the peak so far.

Usage::

    python -m bench.memory [--pages 24] [--set sroie] [--write-docs docs/benchmarks.md]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from bench.common import DEFAULT_EVAL_DIR, REPO_ROOT, select_images, write_section
from bench.machine import machine_line, machine_record

START, END = "<!-- memory:start -->", "<!-- memory:end -->"
SIZES = ((960, 736), (1280, 960), (1600, 1216), (2016, 1536))
VARIANTS = (
    ("onnxruntime", "f32"),
    ("openvino", "f32"),
    ("openvino", "bf16"),
    ("openvino-static", "f32"),
)


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(row for row in status if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(engine: str, precision: str, height: int, width: int) -> dict[str, float]:
    """In this process: the detector's load and the peak growth of one call."""
    from ocr_inference.pipeline import models
    from ocr_inference.pipeline.engine import EngineConfig, Engines

    found = models.resolve(models.TEXT_DETECTION)
    tensor = np.zeros((1, 3, height, width), dtype=np.float32)
    if engine == "openvino-static":  # compiled for this one shape, as a bucket would be
        from ocr_inference.pipeline.engine.openvino import core

        network = core().read_model(str(found.path))
        network.reshape(list(tensor.shape))
        compiled = core().compile_model(network, "CPU", {"INFERENCE_PRECISION_HINT": precision})
        loaded = rss_mib()
        compiled.create_infer_request().infer({0: tensor})
        return {"loaded": loaded, "working": peak_mib() - loaded}
    config = EngineConfig(device="cpu", engine=engine, precision=precision)  # type: ignore[arg-type]
    model = Engines(config).load("text_detection", found.name, found.path, None)
    loaded = rss_mib()
    model(tensor)
    return {"loaded": loaded, "working": peak_mib() - loaded}


def detection_rows() -> list[str]:
    rows = []
    for height, width in SIZES:
        cells = [f"{height} × {width}"]
        for engine, precision in VARIANTS:
            args = ["--one", engine, precision, str(height), str(width)]
            out = subprocess.run(
                [sys.executable, "-m", "bench.memory", *args],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            cells.append(f"{json.loads(out.splitlines()[-1])['working']:.0f}")
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return rows


def pipeline_rows(set_name: str, pages: int) -> list[str]:
    from ocr_inference.documents import Page
    from ocr_inference.pipeline import EngineConfig, Pipeline, PipelineConfig

    pipeline = Pipeline(PipelineConfig(), EngineConfig(device="cpu"))
    rows = [f"| loaded | {rss_mib():.0f} | {peak_mib():.0f} |"]
    start = time.perf_counter()
    for done, path in enumerate(select_images(DEFAULT_EVAL_DIR / set_name, pages), start=1):
        image = np.asarray(Image.open(path).convert("RGB"))
        pipeline.run([Page(1, image, None)])
        del image
        if done % 4 == 0:
            rows.append(f"| {done} | {rss_mib():.0f} | {peak_mib():.0f} |")
            print(rows[-1], f"{time.perf_counter() - start:.1f} s", flush=True)
    return rows


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        engine, precision, height, width = sys.argv[2:6]
        print(json.dumps(one(engine, precision, int(height), int(width))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--set", default="sroie")
    parser.add_argument("--write-docs", type=Path, default=None)
    args = parser.parse_args()
    detection = detection_rows()
    pipeline = pipeline_rows(args.set, args.pages)
    command = f"python -m bench.memory --pages {args.pages} --set {args.set}"
    section = "\n".join(
        [
            START,
            "## Memory: detection input and a process over many pages",
            "",
            f"Command: `{command}`, run on {time.strftime('%Y-%m-%d')}.",
            "",
            f"Machine: {machine_line(machine_record(None, ()))}",
            "",
            "Working memory of one text-detection call (PP-OCRv6_det_small), MiB above the "
            "process's RSS after loading it, each in a fresh process. The pipeline compiles "
            "the detector with dynamic height and width; the last column compiles it for the "
            "one input shape, as shape buckets would:",
            "",
            "| input (h × w) | ONNX Runtime f32 | OpenVINO f32 | OpenVINO bf16 "
            "| OpenVINO f32, compiled for this shape |",
            "|---|---|---|---|---|",
            *detection,
            "",
            f"The default pipeline (every stage on, `OCR_ENGINE=auto`, the usable cores' "
            f"threads) over the first {args.pages} {args.set} pages: RSS and peak RSS, MiB.",
            "",
            "| pages done | RSS | peak RSS |",
            "|---|---|---|",
            *pipeline,
            END,
        ]
    )
    if args.write_docs is not None:
        write_section(args.write_docs, START, END, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
