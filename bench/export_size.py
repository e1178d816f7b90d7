"""Sizes and seconds of the searchable PDF export, against the rendered PDF it replaced.

Three kinds of upload from ../shared/eval: born-digital PDFs (ICDAR-2013 government
reports), scanned PDFs (SROIE receipt scans, each JPEG put unchanged into a one-page PDF
at 300 dpi, as a scanner writes them) and the same JPEGs uploaded as they are. Each is
read by ``ocr-inference process`` (the default pipeline, text layer where a page has
one), then exported twice in-process:

- *searchable*: what ``export?format=pdf`` sends now (``exports.searchable``): the
  uploaded PDF with a text layer on its OCR pages, or an image upload's own frames;
- *rendered*: what it sent before (``exports.iter_pdf`` over the pages rendered at the
  result's dpi as JPEG), which is also the fallback.

For each: the output's size against the upload's, and the export's seconds per page
(decoding and rendering included). Also counted: fallbacks, and JPEG uploads whose bytes
are in the PDF unchanged.

    python -m bench.export_size [--eval-dir ../shared/eval] [--limit 3] [--write-docs FILE]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

from bench.common import DEFAULT_EVAL_DIR, find_cli, process_command, write_section
from bench.machine import cpu_info
from ocr_inference.documents import Limits, open_document
from ocr_inference.exports import PdfPage, iter_pdf
from ocr_inference.exports.searchable import searchable_pdf
from ocr_inference.schemas import DocumentResult

START, END = "<!-- export-size:start -->", "<!-- export-size:end -->"
SCAN_DPI = 300


@dataclass
class Kind:
    """The figures of one kind of upload, summed over its documents."""

    name: str
    documents: int = 0
    pages: int = 0
    ocr_pages: int = 0
    upload_bytes: int = 0
    searchable_bytes: int = 0
    rendered_bytes: int = 0
    searchable_s: float = 0.0
    rendered_s: float = 0.0
    fallbacks: int = 0
    jpeg_kept: int = 0
    missing: int = 0

    def row(self) -> str:
        def ratio(size: int) -> str:
            return f"{size / 1e6:.2f} MB ({size / self.upload_bytes:.2f} ×)"

        per_page = max(self.pages, 1)
        return (
            f"| {self.name} | {self.documents} | {self.pages} ({self.ocr_pages} OCR) | "
            f"{self.upload_bytes / 1e6:.2f} MB | {ratio(self.searchable_bytes)} | "
            f"{self.searchable_s / per_page:.3f} | {ratio(self.rendered_bytes)} | "
            f"{self.rendered_s / per_page:.3f} | {self.fallbacks} |"
        )


def scanned_pdf(jpeg: bytes) -> bytes:
    """A one-page PDF showing the JPEG, its bytes unchanged, at ``SCAN_DPI``."""
    with Image.open(io.BytesIO(jpeg)) as image:
        (width, height), mode = image.size, image.mode
    w_pt, h_pt = width * 72 / SCAN_DPI, height * 72 / SCAN_DPI
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(w_pt, h_pt))
    xobject = pikepdf.Stream(pdf, jpeg)
    xobject.Type, xobject.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    xobject.Width, xobject.Height, xobject.BitsPerComponent = width, height, 8
    xobject.ColorSpace = pikepdf.Name.DeviceGray if mode == "L" else pikepdf.Name.DeviceRGB
    xobject.Filter = pikepdf.Name.DCTDecode
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject))
    page.obj.Contents = pdf.make_stream(f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q".encode())
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def uploads(eval_dir: Path, limit: int, work: Path) -> dict[str, list[Path]]:
    reports = sorted((eval_dir / "icdar2013_tables" / "pdf").glob("*.pdf"))[:limit]
    jpegs = sorted((eval_dir / "sroie").glob("*.jpg"))[:limit]
    scans = work / "scans"
    scans.mkdir()
    for jpeg in jpegs:
        (scans / f"{jpeg.stem}.pdf").write_bytes(scanned_pdf(jpeg.read_bytes()))
    return {
        "born-digital PDF": reports,
        "scanned PDF": sorted(scans.glob("*.pdf")),
        "JPEG": jpegs,
    }


def measure(kind: Kind, data: bytes, result: DocumentResult) -> None:
    limits = Limits()

    def rendered() -> Iterator[PdfPage]:
        dpi = next((page.dpi for page in result.pages if page.dpi), None)
        select = [page.page_number - 1 for page in result.pages]
        document = open_document(data, limits, dpi=dpi, select=select)
        return (PdfPage(page.number, page.image) for page in document.pages)

    start = time.perf_counter()
    pdf = searchable_pdf(data, result, limits, rendered)
    searchable = b"".join(pdf.chunks)
    kind.searchable_s += time.perf_counter() - start
    start = time.perf_counter()
    kind.rendered_bytes += len(b"".join(iter_pdf(result, rendered())))
    kind.rendered_s += time.perf_counter() - start
    kind.documents += 1
    kind.pages += len(result.pages)
    kind.ocr_pages += sum(page.source == "ocr" for page in result.pages)
    kind.upload_bytes += len(data)
    kind.searchable_bytes += len(searchable)
    kind.fallbacks += pdf.fallback is not None
    kind.jpeg_kept += data.startswith(b"\xff\xd8") and data in searchable


def run(eval_dir: Path, limit: int) -> list[Kind]:
    cli = find_cli()
    kinds = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, files in uploads(eval_dir, limit, work).items():
            kind = Kind(name)
            out = work / name.replace(" ", "_")
            subprocess.run(process_command(cli, files, out), capture_output=True, check=False)
            for source in files:
                path = out / f"{source.stem}.json"
                if not path.exists():
                    kind.missing += 1
                    continue
                result = DocumentResult.model_validate_json(path.read_text(encoding="utf-8"))
                measure(kind, source.read_bytes(), result)
            kinds.append(kind)
    return kinds


def markdown(kinds: list[Kind], command: str) -> str:
    jpeg = next((k for k in kinds if k.name == "JPEG"), None)
    kept = (
        f" JPEG uploads whose bytes the PDF holds unchanged: {jpeg.jpeg_kept} of {jpeg.documents}."
        if jpeg
        else ""
    )
    return "\n".join(
        [
            START,
            "## Searchable PDF: size and export time",
            "",
            f"`{command}`, {dt.date.today().isoformat()}, on {cpu_info()[0]}: each upload read "
            "by `ocr-inference process`, then exported in-process. *Searchable* is today's "
            "`export?format=pdf` (the uploaded PDF with a text layer on its OCR pages, or an "
            "image upload's own frames); *rendered* is the export it replaced (every page "
            "rendered at the result's dpi and stored as JPEG), which remains the fallback. "
            "Sizes are totals against the uploads' (×); seconds are per page, decoding and "
            f"rendering included.{kept}",
            "",
            "| upload | documents | pages | uploaded | searchable PDF | s/page | "
            "rendered PDF | s/page | fallbacks |",
            "|---|---|---|---|---|---|---|---|---|",
            *(kind.row() for kind in kinds if kind.documents),
            END,
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--limit", type=int, default=3, help="uploads of each kind (default 3)")
    parser.add_argument("--write-docs", type=Path, help="rewrite this section of a Markdown file")
    args = parser.parse_args()
    if not (args.eval_dir / "icdar2013_tables").is_dir() or not (args.eval_dir / "sroie").is_dir():
        print(f"error: no icdar2013_tables or sroie set in {args.eval_dir}", file=sys.stderr)
        return 2
    kinds = run(args.eval_dir, args.limit)
    section = markdown(kinds, f"python -m bench.export_size --limit {args.limit}")
    print(section)
    for kind in kinds:
        if kind.missing:
            print(f"warning: {kind.missing} {kind.name} uploads had no result", file=sys.stderr)
    if args.write_docs:
        write_section(args.write_docs, START, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
