"""Does ``pdftotext`` read the searchable PDF export in the result's reading order?

On the DocBank pages of ../shared/eval (one-page scientific articles, mostly two columns,
each as a born-digital PDF and as a JPEG of it), for both ways a page is read:

- ``OCR``: the JPEG, OCRed;
- ``text layer``: the PDF, read from its text layer;

the result is exported as a searchable PDF (``ocr_inference.exports.to_pdf``, over a blank
page image of the result's size: only the invisible text matters here) and read back with
``pdftotext`` in its default mode, which rebuilds lines, paragraphs and columns from where
the text stands, as most text extractors do. Over the two word lists (words hyphenated at
line ends joined again):

- *neighbours kept*: the share of the result's pairs of neighbouring words that pdftotext
  also gives as neighbours; a block moved whole (a figure's labels) costs two pairs;
- *in order*: the share of the result's words that pdftotext gives back in the same order
  (the matches of ``difflib.SequenceMatcher``), and the number of runs they come in,
  fewer meaning fewer jumps.

As a reference, the same comparison is made for ``pdftotext`` on the original PDF, against
the text-layer result: the order a well-made PDF gives.

    python -m bench.searchable_pdf [--eval-dir ../shared/eval] [--limit 20] [--json]

Prints figures; asserts nothing. Needs ``pdftotext`` (poppler-utils).
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import DEFAULT_EVAL_DIR, find_cli, percent, process_command, write_section
from ocr_inference.exports import PdfPage, to_pdf
from ocr_inference.schemas import DocumentResult

START, END = "<!-- searchable-pdf:start -->", "<!-- searchable-pdf:end -->"


@dataclass
class Order:
    """Words of a result that pdftotext gave back in order, over all pages of a path."""

    matched: int = 0
    words: int = 0
    runs: int = 0
    pairs: int = 0  # the result's pairs of neighbouring words
    pairs_kept: int = 0  # of those, the pairs pdftotext also gives as neighbours
    pages: int = 0
    missing: int = 0  # pages without a result

    def add(self, expected: list[str], extracted: list[str]) -> None:
        blocks = difflib.SequenceMatcher(a=expected, b=extracted, autojunk=False)
        matching = blocks.get_matching_blocks()[:-1]  # the last is a zero-size sentinel
        self.matched += sum(block.size for block in matching)
        self.words += len(expected)
        self.runs += len(matching)
        self.pages += 1
        pairs = Counter(itertools.pairwise(expected))
        self.pairs += sum(pairs.values())
        self.pairs_kept += sum((pairs & Counter(itertools.pairwise(extracted))).values())

    def share(self) -> float | None:
        return self.matched / self.words if self.words else None

    def pair_share(self) -> float | None:
        return self.pairs_kept / self.pairs if self.pairs else None


def result_words(result: DocumentResult) -> list[str]:
    """The result's words in reading order, a word hyphenated at a line's end joined again
    (pdftotext joins them too)."""
    text = "\n".join(line.text for line in result.detections)
    return text.replace("-\n", "").split()


def pdftotext_words(pdf: Path) -> list[str]:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8", errors="replace").replace("-\n", "").split()


def searchable_pdf(result: DocumentResult, path: Path) -> Path:
    blank = [
        PdfPage(page.page_number, np.full((page.height, page.width, 3), 255, np.uint8))
        for page in result.pages
    ]
    path.write_bytes(to_pdf(result, blank))
    return path


def run(eval_dir: Path, limit: int) -> dict[str, Order]:
    docbank = eval_dir / "docbank"
    pdfs = sorted(p for p in docbank.glob("*.pdf") if p.with_suffix(".jpg").exists())[:limit]
    orders = {"OCR": Order(), "text layer": Order(), "original PDF": Order()}
    cli = find_cli()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        inputs = {"OCR": [p.with_suffix(".jpg") for p in pdfs], "text layer": pdfs}
        for name, files in inputs.items():
            out = work / name.replace(" ", "_")
            subprocess.run(process_command(cli, files, out), capture_output=True, check=False)
            for source in files:
                path = out / f"{source.stem}.json"
                if not path.exists():
                    orders[name].missing += 1
                    continue
                result = DocumentResult.model_validate_json(path.read_text(encoding="utf-8"))
                words = result_words(result)
                exported = searchable_pdf(result, out / f"{source.stem}.pdf")
                orders[name].add(words, pdftotext_words(exported))
                if name == "text layer":
                    orders["original PDF"].add(words, pdftotext_words(source))
    return orders


def markdown(orders: dict[str, Order], command: str) -> str:
    rows = [
        f"| {name} | {o.pages} | {o.words} | {percent(o.pair_share())} | "
        f"{percent(o.share())} | {o.runs} |"
        for name, o in orders.items()
    ]
    return "\n".join(
        [
            START,
            "## Searchable PDF: reading order through pdftotext",
            "",
            f"`{command}`, {dt.date.today().isoformat()}: DocBank pages exported as "
            "searchable PDFs and read back with `pdftotext`. *Neighbours kept*: the share "
            "of the result's pairs of neighbouring words (in its reading order) that "
            "pdftotext also gives as neighbours; *in order*: the share of the result's "
            "words that pdftotext gives in the same order, and the number of runs they "
            "come in (fewer: fewer jumps). *original PDF* is pdftotext on the born-digital "
            "PDF itself, against the text-layer result.",
            "",
            "| pages read by | pages | words | neighbours kept % | in order % | runs |",
            "|---|---|---|---|---|---|",
            *rows,
            END,
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--limit", type=int, default=20, help="DocBank pages (default 20)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--write-docs", type=Path, help="rewrite this section of a Markdown file")
    args = parser.parse_args()
    if shutil.which("pdftotext") is None:
        print("error: pdftotext (poppler-utils) is not installed", file=sys.stderr)
        return 2
    if not (args.eval_dir / "docbank").is_dir():
        print(f"error: no docbank set in {args.eval_dir}; pass --eval-dir", file=sys.stderr)
        return 2
    orders = run(args.eval_dir, args.limit)
    if args.json:
        print(
            json.dumps(
                {
                    name: vars(o) | {"share": o.share(), "pair_share": o.pair_share()}
                    for name, o in orders.items()
                }
            )
        )
    command = f"python -m bench.searchable_pdf --limit {args.limit}"
    section = markdown(orders, command)
    print(section)
    for name, o in orders.items():
        if o.missing:
            print(f"warning: {o.missing} {name} pages had no result", file=sys.stderr)
    if args.write_docs:
        write_section(args.write_docs, START, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
