"""Each shipped model on ONNX Runtime and on OpenVINO: milliseconds per call at a typical
input, compile time, and the largest difference between the engines' outputs.

This is the measurement behind each model's ``cpu_engine`` in the manifest
(``ocr_inference.pipeline.models``), which ``OCR_ENGINE=auto`` follows on a CPU.

Usage::

    python -m bench.engines [--threads 2] [--repeat 5] [--write-docs docs/benchmarks.md]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from bench.common import write_section
from bench.machine import machine_line, machine_record
from ocr_inference.errors import ModelError
from ocr_inference.pipeline import models
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.engine.onnxruntime import OnnxRuntimeModel
from ocr_inference.pipeline.engine.openvino import OpenVinoModel

START, END = "<!-- engines:start -->", "<!-- engines:end -->"
# a typical input of each model: a page for detection, a batch of lines for recognition
INPUTS = {
    models.PAGE_ORIENTATION.name: (1, 3, 224, 224),
    models.LAYOUT.name: (1, 3, 800, 608),
    models.TEXT_DETECTION.name: (1, 3, 1280, 960),
    models.TINY_TEXT_DETECTION.name: (1, 3, 1280, 960),
    models.TEXTLINE_ORIENTATION.name: (6, 3, 48, 192),
    models.TEXT_RECOGNITION.name: (6, 3, 48, 640),
    models.TINY_TEXT_RECOGNITION.name: (6, 3, 48, 640),
    models.TABLE_STRUCTURE.name: (1, 3, 488, 488),
}


def best_ms(call: Callable[[], object], repeat: int) -> float:
    call()  # the first call of a shape prepares it
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def measure(spec: models.ModelSpec, threads: int, repeat: int) -> list[str]:
    found = models.resolve(spec)
    tensor = np.random.default_rng(0).uniform(-1, 1, INPUTS[spec.name]).astype(np.float32)
    f32 = EngineConfig(device="cpu", precision="f32", threads=threads)
    reference = OnnxRuntimeModel(found.name, found.path, f32, "cpu")
    expected = reference(tensor)
    row = [
        spec.name,
        "×".join(map(str, tensor.shape)),
        f"{best_ms(lambda: reference(tensor), repeat):.1f}",
    ]
    for precision in ("f32", "bf16"):
        config = EngineConfig(device="cpu", engine="openvino", precision=precision, threads=threads)
        try:
            model = OpenVinoModel(found.name, found.path, config)
        except ModelError as exc:
            return [
                *row,
                f"cannot compile ({exc.message.rsplit(':', 1)[-1].strip()})",
                "",
                "",
                spec.cpu_engine,
            ]
        got = model(tensor)
        diff = max(float(np.abs(g - e).max()) for g, e in zip(got, expected, strict=True))
        ms = best_ms(partial(model, tensor), repeat)
        row += [f"{ms:.1f} ({model.precision}, max diff {diff:.1g})"]
        if precision == "f32":
            row += [f"{model.load_seconds:.2f}"]
    return [*row, spec.cpu_engine]


WIDTHS = (128, 320, 640, 1280, 2560)


def width_rows(threads: int, repeat: int) -> list[str]:
    """The small recognizer's milliseconds per line by input width: the first call of a
    width (its shape is new) and the best of the repeats, per engine and batch size."""
    found = models.resolve(models.TEXT_RECOGNITION)
    f32 = EngineConfig(device="cpu", precision="f32", threads=threads)
    bf16 = EngineConfig(device="cpu", engine="openvino", precision="bf16", threads=threads)
    runtime = OnnxRuntimeModel(found.name, found.path, f32, "cpu")
    f32_openvino = EngineConfig(device="cpu", engine="openvino", precision="f32", threads=threads)
    openvino = OpenVinoModel(found.name, found.path, f32_openvino)
    fast = OpenVinoModel(found.name, found.path, bf16)
    rows = []
    for width in WIDTHS:
        cells = [str(width)]
        for model, batch in ((runtime, 6), (openvino, 1), (openvino, 6), (fast, 6)):
            tensor = np.zeros((batch, 3, 48, width), dtype=np.float32)
            start = time.perf_counter()
            model(tensor)
            first = 1000 * (time.perf_counter() - start) / batch
            cells.append(f"{best_ms(partial(model, tensor), repeat) / batch:.1f} ({first:.1f})")
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-docs", default=None)
    args = parser.parse_args()
    header = [
        "model",
        "input",
        "ONNX Runtime ms",
        "OpenVINO f32 ms",
        "compile s",
        "OpenVINO bf16 ms",
        "auto runs it on",
    ]
    rows = [measure(spec, args.threads, args.repeat) for spec in models.CATALOG]
    table = "\n".join(
        ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        + ["| " + " | ".join(row) + " |" for row in rows]
    )
    print(table)
    widths = "\n".join(
        [
            "| width | ONNX Runtime, 6 lines | OpenVINO f32, 1 line | OpenVINO f32, 6 lines "
            "| OpenVINO bf16, 6 lines |",
            "|---|---|---|---|---|",
            *width_rows(args.threads, args.repeat),
        ]
    )
    print(widths)
    if args.write_docs:
        section = (
            f"{START}\n## Engines per model\n\nCommand: `python -m bench.engines --threads "
            f"{args.threads} --write-docs {args.write_docs}`, run on "
            f"{time.strftime('%Y-%m-%d')}.\n\nMachine: {machine_line(machine_record(None, ()))}\n\n"
            "Best of the repeats, after one warm-up call per shape; the difference is the "
            "largest absolute difference from ONNX Runtime's outputs on the same random input.\n\n"
            f"{table}\n\nThe small recognizer (PP-OCRv6_rec_small), milliseconds per line by "
            "input width (48 pixels high): best of the repeats, and in brackets the first "
            "call at that width.\n\n"
            f"{widths}\n{END}"
        )
        write_section(Path(args.write_docs), START, END, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
