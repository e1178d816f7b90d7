"""Running the pipeline in-process over files, for the CLI, batch jobs and benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocr_inference.documents import SNIFF_BYTES, Limits, open_document, sniff_type
from ocr_inference.errors import OCRError
from ocr_inference.exports.alto import to_alto
from ocr_inference.exports.chunks import to_chunks
from ocr_inference.exports.text import to_text
from ocr_inference.pipeline import Pipeline
from ocr_inference.schemas import DocumentResult, ErrorResult


@dataclass
class FileOutcome:
    path: Path
    result: DocumentResult | ErrorResult

    @property
    def ok(self) -> bool:
        return isinstance(self.result, DocumentResult)


def collect_inputs(paths: list[Path]) -> Iterator[Path]:
    """Files named directly, and in directories the files whose content is a document."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.is_file()):
                with child.open("rb") as handle:
                    if sniff_type(handle.read(SNIFF_BYTES)) is not None:
                        yield child
        else:
            yield path


def page_count(path: Path, limits: Limits) -> int | ErrorResult:
    """The file's page count, from its headers (no page is decoded), or the error that
    ``process_file`` would give it before any page."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _unreadable(path, exc)
    try:
        document = open_document(data, limits)
    except OCRError as exc:
        return ErrorResult(error=exc.message, code=exc.code)
    document.close()
    return document.page_count


def process_file(
    pipeline: Pipeline,
    path: Path,
    limits: Limits,
    on_page: Callable[[int, int], None] | None = None,
    *,
    select: Sequence[int] | None = None,
) -> FileOutcome:
    """OCR one file, or the pages of it that ``select`` names (0-based, as for
    ``open_document``: the others are not decoded); a bad file becomes an ErrorResult
    rather than an exception."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileOutcome(path, _unreadable(path, exc))
    try:
        document = open_document(
            data, limits, text_layer=pipeline.config.reads_text_layer, select=select
        )
        return FileOutcome(path, pipeline.run(document.pages, document.page_count, on_page))
    except OCRError as exc:
        return FileOutcome(path, ErrorResult(error=exc.message, code=exc.code))


def _unreadable(path: Path, exc: OSError) -> ErrorResult:
    return ErrorResult(error=f"Cannot read {path}: {exc}", code="unreadable")


def render(outcome: FileOutcome, fmt: str, max_chars: int) -> str:
    """What ``process --format fmt`` writes for one file: text as the API's text export
    gives it, the result's Markdown, its ALTO XML, its chunks of at most ``max_chars``
    characters, or the result (or the error) as indented JSON."""
    if fmt == "chunks" and isinstance(outcome.result, DocumentResult):
        return to_chunks(outcome.result, max_chars).decode()
    if fmt == "text" and isinstance(outcome.result, DocumentResult):
        return to_text(outcome.result).decode()
    if fmt == "markdown" and isinstance(outcome.result, DocumentResult):
        return outcome.result.markdown
    if fmt == "alto" and isinstance(outcome.result, DocumentResult):
        return to_alto(outcome.result, source=outcome.path.name).decode()
    return outcome.result.model_dump_json(indent=2) + "\n"
