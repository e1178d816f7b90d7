"""The service's figures in the Prometheus text exposition format (version 0.0.4), written
by hand. They are read from Redis when asked for, so every API process reports the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ocr_inference.tasks.counters import Histogram, Stats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Sample = tuple[Mapping[str, str], float]
# a sample whose name is the family's plus a suffix: a histogram's _bucket, _sum, _count
SuffixedSample = tuple[str, Mapping[str, str], float]


@dataclass(frozen=True)
class Metric:
    """One metric family: its ``# HELP`` and ``# TYPE`` lines and its samples."""

    name: str
    kind: Literal["counter", "gauge", "histogram"]
    help: str
    samples: Sequence[Sample]
    suffixed: Sequence[SuffixedSample] = ()


def histogram(name: str, help: str, values: Histogram) -> Metric:
    """A histogram family: cumulative ``_bucket`` samples, then ``_sum`` and ``_count``."""
    buckets: list[SuffixedSample] = [
        ("_bucket", {"le": _number(bound)}, count) for bound, count in values.buckets.items()
    ]
    return Metric(
        name,
        "histogram",
        help,
        [],
        [*buckets, ("_sum", {}, values.sum), ("_count", {}, values.count)],
    )


def service_metrics(stats: Stats) -> list[Metric]:
    """The metrics of ``stats``; counters count since the Redis data was created."""
    return [*_state_metrics(stats), *_count_metrics(stats)]


def _state_metrics(stats: Stats) -> list[Metric]:
    """Gauges: what waits, runs and is held now."""
    return [
        Metric(
            "ocr_queue_messages",
            "gauge",
            "Task messages waiting in a queue (ocr: documents, ocr.pages: page ranges).",
            [({"queue": queue}, count) for queue, count in stats.queued.items()],
        ),
        Metric("ocr_tasks_running", "gauge", "Documents being processed.", [({}, stats.running)]),
        Metric(
            "ocr_upload_bytes_held",
            "gauge",
            "Bytes of uploads whose tasks have not ended.",
            [({}, stats.held_bytes)],
        ),
        Metric(
            "ocr_workers",
            "gauge",
            "Worker processes whose heartbeat is alive.",
            [({}, stats.workers)],
        ),
    ]


def _count_metrics(stats: Stats) -> list[Metric]:
    """Counters and the duration histogram."""
    return [
        Metric(
            "ocr_tasks_submitted_total",
            "counter",
            "Documents accepted for OCR.",
            [({}, stats.submitted)],
        ),
        Metric(
            "ocr_tasks_succeeded_total",
            "counter",
            "Documents that ended in SUCCESS.",
            [({}, stats.succeeded)],
        ),
        Metric(
            "ocr_tasks_failed_total",
            "counter",
            "Documents that ended in FAILURE, by error code.",
            [({"code": code}, count) for code, count in stats.failed.items()],
        ),
        histogram(
            "ocr_task_duration_seconds",
            "Processing time of the documents that ended in SUCCESS (result meta.seconds).",
            stats.durations,
        ),
        Metric(
            "ocr_pages_processed_total",
            "counter",
            "Pages processed by workers (pages run again after a fault count again).",
            [({}, stats.pages)],
        ),
        Metric(
            "ocr_http_requests_total",
            "counter",
            "API requests by route template, method and status (all API processes).",
            [
                ({"route": route, "method": method, "status": status}, count)
                for (method, route, status), count in stats.requests.items()
            ],
        ),
    ]


def render(metrics: Iterable[Metric]) -> str:
    """The exposition text of ``metrics``, ending with a newline."""
    lines: list[str] = []
    for metric in metrics:
        lines.append(f"# HELP {metric.name} {_escape_help(metric.help)}")
        lines.append(f"# TYPE {metric.name} {metric.kind}")
        lines.extend(
            f"{metric.name}{_labels(labels)} {_number(value)}" for labels, value in metric.samples
        )
        lines.extend(
            f"{metric.name}{suffix}{_labels(labels)} {_number(value)}"
            for suffix, labels, value in metric.suffixed
        )
    return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{_escape_label(v)}"' for name, v in labels.items()) + "}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))
