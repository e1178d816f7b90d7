"""Structured logging: one JSON object per line, carrying the task id when there is one
(the worker passes a function that reads Celery's current task)."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _no_task() -> None:
    return None


class JsonFormatter(logging.Formatter):
    """Formats records as JSON; extra attributes passed with ``extra=`` become fields."""

    def __init__(self, task_id: Callable[[], str | None] | None = None) -> None:
        super().__init__()
        self._task_id = task_id or _no_task

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        task_id = getattr(record, "task_id", None) or self._task_id()
        if task_id:
            entry["task_id"] = task_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", task_id: Callable[[], str | None] | None = None) -> None:
    """Send every logger's records to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(task_id))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pikepdf announces at INFO, in every process that imports it, that its C++ log
    # bridge is up; its warnings and errors still come through
    logging.getLogger("pikepdf").setLevel(max(root.level, logging.WARNING))
