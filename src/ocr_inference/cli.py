"""The ``ocr-inference`` command: process files in-process, or run the service's parts."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ocr_inference.config import get_settings
from ocr_inference.errors import ConfigurationError
from ocr_inference.exports.formats import CHUNK_CHARS, FORMATS, LOCAL_FORMATS

app = typer.Typer(help="Asynchronous document OCR service.", no_args_is_help=True)
config_app = typer.Typer(help="The configuration in effect.", no_args_is_help=True)
app.add_typer(config_app, name="config")


# The --format choices of `process` and of `submit`, made from the one format table. mypy
# cannot see the members of an Enum built from a computed list, hence the ignores.
OutputFormat = StrEnum(  # type: ignore[misc]
    "OutputFormat", [(name, name) for name in LOCAL_FORMATS], module=__name__
)
ExportFormat = StrEnum(  # type: ignore[misc]
    "ExportFormat", [(name, name) for name in FORMATS], module=__name__
)

MaxChars = Annotated[
    int | None,
    typer.Option(
        "--max-chars",
        min=CHUNK_CHARS.low,
        max=CHUNK_CHARS.high,
        help="Characters per chunk of --format chunks (default: OCR_CHUNK_MAX_CHARS).",
    ),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@app.callback()
def _validate_configuration() -> None:
    """Every command starts by validating the settings and the pipeline file."""
    try:
        get_settings()
    except ConfigurationError as exc:
        raise _fail(exc.message) from None


@config_app.command("show")
def config_show(
    service: Annotated[
        bool, typer.Option("--all", help="Also the service settings (OCR_* variables).")
    ] = False,
) -> None:
    """Print the pipeline configuration in effect, as a file OCR_PIPELINE_CONFIG can load."""
    import yaml

    settings = get_settings()
    if not service:
        typer.echo(settings.pipeline.to_yaml(), nl=False)
        typer.echo(_pipeline_notes(), nl=False)
        return
    values = settings.model_dump(mode="json", exclude={"pipeline"})
    values["redis_url"] = _without_password(settings.redis_url)
    document = {
        "service": values,
        "pipeline": settings.pipeline.model_dump(mode="json", by_alias=True),
    }
    typer.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), nl=False)


def _pipeline_notes() -> str:
    """YAML comments after the pipeline: the layout model's class id -> label map, and the
    keys of a PaddleX-shaped file that are accepted but not acted on."""
    from ocr_inference.errors import OCRError
    from ocr_inference.pipeline.inventory import layout_classes
    from ocr_inference.pipeline.pipeline_file import ignored_keys

    settings = get_settings()
    pipeline = settings.pipeline
    lines = []
    if pipeline.use_layout_detection:
        try:
            labels, source = layout_classes(pipeline, settings.model_dir)
            thresholds = pipeline.sub_modules.layout_detection.class_threshold(list(labels))
        except OCRError as exc:
            raise _fail(exc.message) from None
        model = pipeline.sub_modules.layout_detection.model_name
        lines.append(f"# LayoutDetection classes of {model} ({source}): id: label (threshold)")
        lines += [f"#   {i}: {label} ({thresholds[i]})" for i, label in enumerate(labels)]
    ignored = ignored_keys(settings.pipeline_file)
    if ignored:
        lines.append("# PaddleX keys accepted but ignored (this service does not act on them):")
        lines += [f"#   {key}" for key in ignored]
    return "".join(f"{line}\n" for line in lines)


@app.command()
def models() -> None:
    """List every model name the pipeline understands, installed or not: its source (a wheel,
    or the file expected under OCR_MODEL_DIR), size and SHA-256."""
    from ocr_inference.pipeline.inventory import inventory

    rows = inventory(get_settings().model_dir)
    header = ("stage", "model", "installed", "size", "sha256", "source")
    table = [
        (
            row.stage,
            row.name,
            "yes" if row.installed else "no",
            f"{row.size / 1e6:.1f} MB" if row.size is not None else "-",
            row.sha256 or "unknown",
            row.source,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header) - 1)]
    for line in [header, *table]:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        typer.echo("  ".join([*cells, line[-1]]))


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    if ";" in url:  # Sentinels, each its own URL
        return ";".join(_without_password(part) for part in url.split(";"))
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else ""
    )
    return urlunsplit(parts._replace(netloc=netloc))


@app.command()
def process(
    inputs: Annotated[list[Path], typer.Argument(help="Files or directories to OCR.")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat["json"],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File, or directory for several inputs.")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes that OCR pages in parallel, each with its own models "
            "(default: one per usable core); 1: in this process.",
        ),
    ] = None,
    max_chars: MaxChars = None,
) -> None:
    """OCR documents without a server and print (or write) the same result as the API."""
    from tqdm import tqdm

    from ocr_inference.errors import OCRError
    from ocr_inference.local.batch import collect_inputs, page_count, render
    from ocr_inference.local.parallel import process_files
    from ocr_inference.pipeline.engine import usable_cores

    settings = get_settings()
    if max_chars is not None and fmt.value != "chunks":
        raise _fail("--max-chars applies to --format chunks only")
    chunk_chars = max_chars or settings.chunk_max_chars
    files = list(collect_inputs(inputs))
    missing = [f for f in files if not f.exists()]
    if missing:
        raise _fail(f"no such file: {missing[0]}")
    to_dir = output is not None and (len(files) > 1 or output.is_dir() or inputs[0].is_dir())
    if len(files) > 1 and output is None:
        raise _fail("several inputs need --output DIR")
    counts = [page_count(path, settings.limits()) for path in files]
    total = sum(count for count in counts if isinstance(count, int))
    failures = 0
    with tqdm(total=total, unit="page", file=sys.stderr, disable=None) as bar:

        def advance(path: Path, pages: int) -> None:
            bar.set_postfix_str(path.name, refresh=False)
            bar.update(pages)

        try:
            for outcome in process_files(files, counts, jobs or usable_cores(), advance):
                if not outcome.ok:
                    failures += 1
                    result = outcome.result.model_dump_json()
                    tqdm.write(f"failed: {outcome.path}: {result}", file=sys.stderr)
                _write(render(outcome, fmt.value, chunk_chars), outcome.path, fmt, output, to_dir)
        except OCRError as exc:  # the pipeline cannot be built
            raise _fail(exc.message) from exc
    if failures:
        raise typer.Exit(1)


def _write(text: str, path: Path, fmt: OutputFormat, output: Path | None, to_dir: bool) -> None:
    """Print ``path``'s result, or write it to ``output``, or to <stem>.<ext> in it."""
    if output is None:
        sys.stdout.write(text)
        return
    target = output / f"{path.stem}.{FORMATS[fmt.value].extension}" if to_dir else output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


@app.command()
def submit(
    files: Annotated[
        list[Path], typer.Argument(help="Files to send.", exists=True, dir_okay=False)
    ],
    server: Annotated[str, typer.Option(help="The service's base URL.")] = "http://localhost:8000",
    api_key: Annotated[
        str | None, typer.Option(envvar="OCR_API_KEY", help="X-API-Key, if the server has keys.")
    ] = None,
    formats: Annotated[
        list[ExportFormat] | None,
        typer.Option("--format", "-f", help="Output format; repeat for several (default json)."),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write to.")] = Path(),
    pages: Annotated[str | None, typer.Option(help="Pages to process, such as 1-3,7.")] = None,
    dpi: Annotated[int | None, typer.Option(help="PDF render resolution.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each file.")] = 600.0,
) -> None:
    """Send files to a running service, follow their progress and write <stem>.<ext> each."""
    from ocr_inference.client import Client
    from ocr_inference.client.submit import submit_files

    chosen = {f.value: FORMATS[f.value].extension for f in formats or [ExportFormat["json"]]}
    with Client(server, api_key=api_key) as client:
        try:
            failures = submit_files(
                client, files, chosen, output, pages=pages, dpi=dpi, timeout_s=timeout
            )
        except OSError as exc:  # the output directory cannot be made; nothing was sent
            raise _fail(f"cannot write to {output}: {exc}") from None
    for failure in failures:
        typer.echo(f"failed: {failure.path}: {failure.code}: {failure.error}", err=True)
    if failures:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (OCR_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (OCR_PORT).")] = None,
) -> None:
    """Run the HTTP API."""
    import uvicorn

    from ocr_inference.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "ocr_inference.api:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Processes (OCR_WORKER_CONCURRENCY).")
    ] = None,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork or solo.")] = "prefork",
) -> None:
    """Run a Celery worker that processes queued documents."""
    from ocr_inference.errors import OCRError
    from ocr_inference.pipeline.engine import Engines
    from ocr_inference.worker import app as celery_app

    processes = 1 if pool == "solo" else concurrency
    if processes is not None:  # the pool processes share the cores by this count too
        os.environ["OCR_WORKER_CONCURRENCY"] = str(processes)
        get_settings.cache_clear()
    settings = get_settings()
    try:  # a missing or corrupted model stops the worker here, not in every pool process
        settings.pipeline.resolve_models(settings.model_dir)
        Engines(settings.engine_config())  # an engine that cannot serve the device
    except OCRError as exc:
        raise _fail(exc.message) from None
    os.nice(settings.worker_nice)  # inherited by the pool processes
    celery_app.worker_main(
        [
            "worker",
            f"--loglevel={settings.log_level}",
            f"--concurrency={settings.worker_processes}",
            f"--pool={pool}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@app.command()
def up() -> None:
    """Run everything on this machine: the server (unless REDIS_URL is set), a worker and the API.

    Stops all of them on Ctrl-C.
    """
    from ocr_inference.local.launcher import run_until_stopped

    if run_until_stopped(get_settings(), lambda line: typer.echo(line, err=True)):
        raise typer.Exit(1)
