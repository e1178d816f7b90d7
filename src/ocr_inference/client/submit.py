"""``ocr-inference submit``: send files to a running service, follow them with a progress
bar each (and a line per page as soon as it is done, from the result's event stream), and
write their results; the command in cli.py is a thin layer over this."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from ocr_inference.client import ApiError, Client, ServerEvent, StreamFailed, TaskFailed


@dataclass(frozen=True)
class Failure:
    path: Path
    code: str
    error: str


def submit_files(
    client: Client,
    files: Sequence[Path],
    formats: Mapping[str, str],
    output: Path,
    *,
    pages: str | None = None,
    dpi: int | None = None,
    timeout_s: float,
    poll_interval_s: float = 1.0,
) -> list[Failure]:
    """Submit every file first (so the service works on them together), then wait for each
    in turn and write ``<stem>.<ext>`` per format into ``output``; return the failures.
    ``formats`` maps each export format to write to its file extension (the caller reads
    them from ``exports.formats``: this module imports nothing of the package but the
    client).

    A busy service (503) is waited for, up to ``timeout_s`` per file. Files that share a
    stem get ``<stem>-2``, ``<stem>-3``... in the order given, so none overwrites another.
    A file that cannot be read, a server that cannot be reached, or an output that cannot
    be written, fails that file only.

    Raises:
        OSError: ``output`` cannot be made a directory (before anything is sent).
    """
    output.mkdir(parents=True, exist_ok=True)
    failures: list[Failure] = []
    submitted: list[tuple[Path, str, str]] = []
    for path, stem in zip(files, _output_stems(files), strict=True):
        try:
            task_id = client.submit(path, retry_for=timeout_s, pages=pages, dpi=dpi)
        except ApiError as exc:
            failures.append(Failure(path, exc.code, exc.detail))
        except (httpx.HTTPError, OSError) as exc:
            failures.append(_failure(path, exc))
        else:
            submitted.append((path, stem, task_id))
    for position, (path, stem, task_id) in enumerate(submitted):
        with tqdm(
            total=None, desc=path.name, unit="page", position=position, file=sys.stderr
        ) as bar:
            try:
                result = _follow(client, task_id, timeout_s, poll_interval_s, bar)
                _write(client, task_id, result, stem, formats, output)
            except TaskFailed as exc:
                failures.append(Failure(path, exc.code, exc.error))
            except ApiError as exc:
                failures.append(Failure(path, exc.code, exc.detail))
            except TimeoutError as exc:
                failures.append(Failure(path, "client_timeout", str(exc)))
            except httpx.HTTPError as exc:
                failures.append(_failure(path, exc))
            except OSError as exc:  # writing an output failed: a full disk, a directory
                failures.append(Failure(path, "unwritable", str(exc)))
    return failures


def _follow(
    client: Client, task_id: str, timeout_s: float, poll_interval_s: float, bar: tqdm[Any]
) -> dict[str, Any]:
    """The task's result, its pages shown as the workers finish them (its event stream),
    or its progress by polling where the stream cannot be read (a server without it, too
    many streams open)."""
    deadline = time.monotonic() + timeout_s
    try:
        for event in client.events(task_id, timeout=timeout_s):
            _show_event(bar, event)
    except (ApiError, StreamFailed):
        pass  # polling says why, if it is the task's fault
    remaining = max(deadline - time.monotonic(), poll_interval_s)
    return client.wait(task_id, remaining, poll_interval_s, lambda body: _show(bar, body))


def _show_event(bar: tqdm[Any], event: ServerEvent) -> None:
    if event.event == "progress":
        bar.total = event.data["pages_total"]
        bar.n = event.data["pages_done"]
    elif event.event == "page":
        page, lines = event.data["page"]["page_number"], len(event.data["detections"])
        bar.write(f"{bar.desc}: page {page}: {lines} lines", file=sys.stderr)
        bar.n = max(bar.n, int(event.id or 0))
    bar.refresh()


def _failure(path: Path, exc: Exception) -> Failure:
    """A file that could not be read, or a server that could not be reached."""
    code = "unreadable" if isinstance(exc, OSError) else "unreachable"
    return Failure(path, code, str(exc) or type(exc).__name__)


def _output_stems(files: Sequence[Path]) -> list[str]:
    """Each file's stem, with ``-2``, ``-3``... added to any already taken (compared without
    case, as some file systems do)."""
    taken: set[str] = set()
    stems = []
    for path in files:
        stem, copy = path.stem, 1
        while stem.casefold() in taken:
            copy += 1
            stem = f"{path.stem}-{copy}"
        taken.add(stem.casefold())
        stems.append(stem)
    return stems


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
    formats: Mapping[str, str],
    output: Path,
) -> None:
    for fmt, extension in formats.items():
        target = output / f"{stem}.{extension}"
        if fmt == "json":  # the result itself, as the API and `process` give it
            target.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            target.write_bytes(client.export(task_id, fmt))
