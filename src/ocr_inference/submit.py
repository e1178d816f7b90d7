"""``ocr-inference submit``: send files to a running service, follow them with a progress
bar each, and write their results; the command in cli.py is a thin layer over this."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ocr_inference.client import ApiError, Client, TaskFailed

# file extension of each export format
SUFFIXES = {"json": "json", "text": "txt", "markdown": "md", "hocr": "hocr", "pdf": "pdf"}


@dataclass(frozen=True)
class Failure:
    path: Path
    code: str
    error: str


def submit_files(
    client: Client,
    files: Sequence[Path],
    formats: Sequence[str],
    output: Path,
    *,
    pages: str | None = None,
    dpi: int | None = None,
    timeout_s: float,
    poll_interval_s: float = 1.0,
) -> list[Failure]:
    """Submit every file first (so the service works on them together), then wait for each
    in turn and write ``<stem>.<ext>`` per format into ``output``; return the failures."""
    failures: list[Failure] = []
    submitted: list[tuple[Path, str]] = []
    for path in files:
        try:
            submitted.append((path, client.submit(path, pages=pages, dpi=dpi)))
        except ApiError as exc:
            failures.append(Failure(path, exc.code, exc.detail))
    output.mkdir(parents=True, exist_ok=True)
    for position, (path, task_id) in enumerate(submitted):
        with tqdm(
            total=None, desc=path.name, unit="page", position=position, file=sys.stderr
        ) as bar:
            try:
                result = client.wait(
                    task_id, timeout_s, poll_interval_s, lambda body: _show(bar, body)
                )
                _write(client, task_id, result, path.stem, formats, output)
            except TaskFailed as exc:
                failures.append(Failure(path, exc.code, exc.error))
            except ApiError as exc:
                failures.append(Failure(path, exc.code, exc.detail))
            except TimeoutError as exc:
                failures.append(Failure(path, "client_timeout", str(exc)))
    return failures


def _show(bar: tqdm[Any], body: dict[str, Any]) -> None:
    progress = body.get("progress")
    if progress:
        bar.total = progress["pages_total"]
        bar.n = progress["pages_done"]
    elif body["status"] == "SUCCESS" and body.get("result"):
        bar.total = bar.n = len(body["result"].get("pages", []))
    bar.set_postfix_str(body["status"].lower())
    bar.refresh()


def _write(
    client: Client,
    task_id: str,
    result: dict[str, Any],
    stem: str,
    formats: Sequence[str],
    output: Path,
) -> None:
    for fmt in formats:
        target = output / f"{stem}.{SUFFIXES[fmt]}"
        if fmt == "json":  # the result itself, as the API and `process` give it
            target.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            target.write_bytes(client.export(task_id, fmt))
