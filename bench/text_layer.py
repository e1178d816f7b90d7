"""Born-digital PDFs read from their text layer, against OCR and against plain pypdfium2.

Three ways to get a PDF page's text, on the born-digital PDFs of ../shared/eval:

- ``pypdfium2``: ``PdfTextPage.get_text_range()``, the whole page as pdfium extracts it
  (on ICDAR-2013, ``get_text_bounded()`` over each ground-truth table box);
- ``text layer``: the pipeline with ``text_layer: auto`` (pages whose text layer is not
  trusted are OCRed, and counted);
- ``OCR``: the pipeline with ``text_layer: never``.

Both pipeline paths run the same stages: text only by default, every stage of the pipeline
file with ``--layout``. Pages are rendered at ``--dpi`` (the service's ``OCR_DPI``).

- DocBank: the first ``--docbank`` one-page PDFs by name, scored against the whole page's
  ground truth.
- ICDAR-2013: every page of the first ``--icdar`` PDFs by name that has ground-truth tables,
  scored on the table text only (the lines whose centre lies in a ground-truth table box,
  against the tables' cell text).

Scores are bag-of-words F1 from ``ocr_dev.evaluation.page_scores``. Speed is pages
per minute of wall time, from the PDF's bytes to the result (opening, rendering, reading),
model loading and one warm-up page per path excluded. OCR is slow: ``--ocr-limit N`` runs
it on the first N pages of each set only; the other paths are then also scored on those N
pages, side by side.

    python -m bench.text_layer [--eval-dir ../shared/eval] [--docbank 20] [--icdar 30]
                               [--ocr-limit N] [--dpi 300] [--layout] [--json]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean
from typing import Any

import pypdfium2 as pdfium

from bench.common import (
    DEFAULT_EVAL_DIR,
    ground_truth_lines,
    number,
    percent,
    read_truth,
    write_section,
)
from ocr_dev.evaluation import BoxedLine, page_scores
from ocr_inference.config import Settings
from ocr_inference.documents import Limits, open_document
from ocr_inference.documents.pdf_chars import page_to_pixels
from ocr_inference.pipeline import Pipeline

ICDAR_DPI = 144  # the ICDAR ground truth's pixels


@dataclass
class Item:
    """One page to read: a one-page PDF, its ground truth, and where its tables are."""

    name: str
    pdf: bytes
    truth: list[BoxedLine]
    truth_dpi: float
    tables: list[tuple[float, float, float, float]] = field(default_factory=list)


@dataclass
class Run:
    """What one path made of each item: predicted lines (boxes at ``dpi``) and seconds."""

    path: str
    lines: list[list[BoxedLine]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    from_layer: list[int] = field(default_factory=list)  # pages read from the text layer


def one_page_pdf(source: pdfium.PdfDocument, index: int) -> bytes:
    """Page ``index`` of ``source`` on its own, so each path reads exactly the scored page."""
    target = pdfium.PdfDocument.new()
    target.import_pages(source, [index])
    buffer = _Buffer()
    target.save(buffer)
    target.close()
    return bytes(buffer.data)


class _Buffer:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        self.data += chunk
        return len(chunk)


def docbank_items(folder: Path, limit: int) -> list[Item]:
    items = []
    for path in sorted(folder.glob("*.pdf"))[:limit]:
        truth = read_truth(path)
        items.append(Item(path.stem, path.read_bytes(), ground_truth_lines(truth), 200.0))
    return items


def icdar_items(folder: Path, limit: int) -> list[Item]:
    """Pages of the first ``limit`` PDFs that have tables, truth = their cells' text."""
    tables: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(folder.glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        tables[(item["pdf"], int(item["page"]))].append(item)
    chosen = sorted({pdf for pdf, _ in tables})[:limit]
    items = []
    for pdf_name in chosen:
        source = pdfium.PdfDocument(folder / pdf_name)
        for (name, page), found in sorted(tables.items()):
            if name != pdf_name:
                continue
            truth = [(c["text"], c["box"]) for t in found for c in t["cells"] if c["text"]]
            boxes = [_rect(t["table_box"]) for t in found]
            items.append(
                Item(
                    f"{Path(name).stem} p{page}",
                    one_page_pdf(source, page - 1),
                    truth,
                    ICDAR_DPI,
                    boxes,
                )
            )
        source.close()
    return items


def _rect(points: list[list[float]]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def in_tables(lines: list[BoxedLine], item: Item, dpi: float) -> list[BoxedLine]:
    """The lines whose centre lies in one of the item's tables (table boxes at truth dpi)."""
    if not item.tables:
        return lines
    scale = item.truth_dpi / dpi
    kept = []
    for text, box in lines:
        x = scale * sum(p[0] for p in box) / 4
        y = scale * sum(p[1] for p in box) / 4
        if any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in item.tables):
            kept.append((text, box))
    return kept


def plain(items: list[Item]) -> Run:
    """pypdfium2's own text of each page (of each table region, when the item has some)."""
    run = Run("pypdfium2 get_text_range")
    for item in items:
        start = time.perf_counter()
        pdf = pdfium.PdfDocument(item.pdf)
        page = pdf[0]
        textpage = page.get_textpage()
        if item.tables:
            texts = [textpage.get_text_bounded(*_to_pdf(page, item, r)) for r in item.tables]
        else:
            texts = textpage.get_text_range().split("\r\n")
        textpage.close()
        page.close()
        pdf.close()
        run.seconds.append(time.perf_counter() - start)
        run.lines.append([(text, _stacked(i)) for i, text in enumerate(texts)])
    return run


def _stacked(row: int) -> list[list[float]]:
    """A dummy box for row ``row``: keeps pdfium's order; bag-of-words F1 ignores it."""
    return [[0, 10 * row], [1, 10 * row], [1, 10 * row + 9], [0, 10 * row + 9]]


def _to_pdf(
    page: pdfium.PdfPage, item: Item, rect: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """A rectangle on the page rendered at the truth's dpi, in PDF user space."""
    scale = item.truth_dpi / 72
    size = (round(page.get_width() * scale), round(page.get_height() * scale))
    a, b, c, d, e, f = page_to_pixels(page, size)
    det = a * d - b * c
    xs, ys = [], []
    for px, py in ((rect[0], rect[1]), (rect[2], rect[3])):
        xs.append((d * (px - e) - c * (py - f)) / det)
        ys.append((a * (py - f) - b * (px - e)) / det)
    return min(xs), min(ys), max(xs), max(ys)


def pipelined(name: str, pipeline: Pipeline, items: list[Item], dpi: int) -> Run:
    """The pipeline on each page, from the PDF's bytes to the result."""
    run = Run(name)
    text_layer = pipeline.config.text_layer != "never"
    for item in items:
        start = time.perf_counter()
        document = open_document(item.pdf, Limits(dpi=dpi), text_layer=text_layer)
        result = pipeline.run(document.pages, document.page_count)
        run.seconds.append(time.perf_counter() - start)
        run.from_layer.append(sum(p.source == "text_layer" for p in result.pages))
        lines: list[BoxedLine] = [(d.text, d.box) for d in result.detections]
        run.lines.append(in_tables(lines, item, dpi) if item.tables else lines)
    return run


def score(run: Run, items: list[Item], dataset: str) -> dict[str, Any]:
    count = len(run.lines)
    f1 = [
        page_scores(item.truth, lines, dataset)["bow_f1"]
        for item, lines in zip(items, run.lines, strict=False)
    ]
    seconds = sum(run.seconds)
    return {
        "path": run.path,
        "pages": count,
        "bow_f1": fmean(f1) if f1 else None,
        "pages_per_minute": 60 * count / seconds if seconds > 0 else None,
        "from_text_layer": sum(run.from_layer),
    }


def head(run: Run, count: int, path: str) -> Run:
    """The first ``count`` pages of ``run``, under another name."""
    return Run(path, run.lines[:count], run.seconds[:count], run.from_layer[:count])


def run_set(
    name: str, items: list[Item], pipelines: dict[str, Pipeline], dpi: int, ocr_limit: int
) -> list[dict[str, Any]]:
    """Every path on ``items``, OCR on the first ``ocr_limit``; one row of figures each."""
    dataset = name.split()[0]
    for mode in ("auto", "never"):  # first calls pay for pdfium's and ONNX Runtime's set-up
        pipelined("warm-up", pipelines[mode], items[:1], dpi)
    plain(items[:1])
    plain_run = plain(items)
    auto = pipelined("text layer (auto)", pipelines["auto"], items, dpi)
    some = items[:ocr_limit]
    runs = [(plain_run, items), (auto, items)]
    if len(some) < len(items):  # the same pages as OCR, side by side
        runs.append((head(plain_run, len(some), "pypdfium2, OCR pages only"), some))
        runs.append((head(auto, len(some), "text layer, OCR pages only"), some))
    runs.append((pipelined("OCR (never)", pipelines["never"], some, dpi), some))
    return [score(run, scored, dataset) for run, scored in runs]


def report(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"== {title} ==")
    print(f"{'path':<28} {'pages':>5} {'BoW F1 %':>9} {'pages/min':>10}  from text layer")
    for row in rows:
        print(
            f"{row['path']:<28} {row['pages']:>5} {percent(row['bow_f1']):>9} "
            f"{number(row['pages_per_minute'], 1):>10}  {row['from_text_layer']}"
        )
    ocr = rows[-1]["pages_per_minute"]
    layer = rows[-2]["pages_per_minute"]  # the text layer on the pages OCR read
    if ocr and layer:
        print(f"text layer vs OCR on the same pages: {layer / ocr:.0f}x the pages per minute")
    print()


START, END = "<!-- text-layer:start -->", "<!-- text-layer:end -->"


def markdown(results: list[dict[str, Any]], command: str, stages: str) -> str:
    """The figures as a Markdown section for ``docs/benchmarks.md``."""
    lines = [
        START,
        f"Measured {dt.date.today().isoformat()} with `{command}` ({stages}; model loading "
        "and one warm-up page per set and path excluded):",
        "",
        "| set | path | pages | BoW F1 | pages/min | pages from the text layer |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        rows = result["rows"]
        for row in rows:
            lines.append(
                f"| {result['set']} | {row['path']} | {row['pages']} | "
                f"{percent(row['bow_f1'])} % | {number(row['pages_per_minute'], 1)} | "
                f"{row['from_text_layer']} |"
            )
        ocr, layer = rows[-1]["pages_per_minute"], rows[-2]["pages_per_minute"]
        if ocr and layer:
            lines.append(
                f"| {result['set']} | **text layer / OCR, same pages** | | | "
                f"**{layer / ocr:.0f} ×** | |"
            )
    return "\n".join([*lines, END])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--docbank", type=int, default=20, help="DocBank PDFs, by name")
    parser.add_argument("--icdar", type=int, default=30, help="ICDAR-2013 PDFs, by name")
    parser.add_argument("--ocr-limit", type=int, default=None, help="pages per set to OCR")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--layout", action="store_true", help="layout and tables on")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-docs", type=Path, help="Markdown file to put the section in")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not (args.eval_dir / "docbank").is_dir():
        print(f"evaluation documents not found in {args.eval_dir}", file=sys.stderr)
        return 2
    settings = Settings()
    stages = {} if args.layout else {"use_layout_detection": False, "use_table_recognition": False}
    start = time.perf_counter()
    pipelines = {
        mode: Pipeline(
            settings.pipeline.model_copy(update={"text_layer": mode, **stages}),
            settings.engine_config(),
        )
        for mode in ("auto", "never")
    }
    loading = time.perf_counter() - start
    sets: list[tuple[str, Callable[[], list[Item]]]] = [
        ("docbank", lambda: docbank_items(args.eval_dir / "docbank", args.docbank)),
        ("icdar2013 tables", lambda: icdar_items(args.eval_dir / "icdar2013_tables", args.icdar)),
    ]
    results = []
    for name, load in sets:
        items = load()
        limit = len(items) if args.ocr_limit is None else min(args.ocr_limit, len(items))
        rows = run_set(name, items, pipelines, args.dpi, limit)
        results.append({"set": name, "dpi": args.dpi, "rows": rows})
        if not args.json:
            report(f"{name}: {len(items)} pages at {args.dpi} dpi", rows)
    command = "python -m bench.text_layer " + " ".join(sys.argv[1:])
    stage_names = "every stage of the pipeline file" if args.layout else "text only"
    if args.write_docs:
        write_section(args.write_docs, START, END, markdown(results, command.strip(), stage_names))
    if args.json:
        print(json.dumps({"command": command.strip(), "results": results}, indent=2))
    else:
        print(f"command: {command.strip()}")
        print(
            f"pipeline stages: {stage_names}; model loading ({loading:.1f} s) and one "
            "warm-up page per set and path excluded"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
