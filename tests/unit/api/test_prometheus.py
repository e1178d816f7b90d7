from __future__ import annotations

import math

from ocr_dev.support import parse_metrics
from ocr_inference.api.prometheus import Metric, histogram, render, service_metrics
from ocr_inference.tasks.counters import Histogram, Stats


def test_every_family_has_help_and_type_before_its_samples() -> None:
    text = render(
        [
            Metric("a_total", "counter", "Things.", [({}, 3)]),
            Metric("b", "gauge", "Levels.", [({"x": "1"}, 2.5), ({"x": "2"}, 0)]),
            Metric("c_total", "counter", "None yet.", []),
        ]
    )
    assert text == (
        "# HELP a_total Things.\n"
        "# TYPE a_total counter\n"
        "a_total 3\n"
        "# HELP b Levels.\n"
        "# TYPE b gauge\n"
        'b{x="1"} 2.5\n'
        'b{x="2"} 0\n'
        "# HELP c_total None yet.\n"
        "# TYPE c_total counter\n"
    )
    assert parse_metrics(text) == {
        "a_total": {(): 3},
        "b": {(("x", "1"),): 2.5, (("x", "2"),): 0},
        "c_total": {},
    }


def test_label_values_and_help_are_escaped() -> None:
    hostile = 'a "quoted"\\back\nslash'
    text = render([Metric("m", "gauge", "Help with \\ and\nnewline.", [({"v": hostile}, 1)])])
    assert text.splitlines() == [
        "# HELP m Help with \\\\ and\\nnewline.",
        "# TYPE m gauge",
        'm{v="a \\"quoted\\"\\\\back\\nslash"} 1',
    ]
    assert parse_metrics(text) == {"m": {(("v", hostile),): 1}}


def test_special_values_use_the_formats_spelling() -> None:
    text = render([Metric("m", "gauge", "h", [({"k": "a"}, math.inf), ({"k": "b"}, -math.inf)])])
    assert text.splitlines()[2:] == ['m{k="a"} +Inf', 'm{k="b"} -Inf']
    assert render([Metric("n", "gauge", "h", [({}, math.nan)])]).endswith("n NaN\n")


def test_service_metrics_report_every_figure_of_the_stats() -> None:
    stats = Stats(
        queued={"ocr": 4, "ocr.pages": 2},
        running=1,
        held_bytes=1234,
        submitted=10,
        succeeded=6,
        failed={"corrupt_document": 2, "timeout": 1},
        pages=17,
        workers=3,
        durations=Histogram({1.0: 2, 10.0: 5, math.inf: 6}, 42.5, 6),
        requests={("GET", "/api/v1/ocr/results/{task_id}", "200"): 9},
    )
    assert parse_metrics(render(service_metrics(stats))) == {
        "ocr_queue_messages": {(("queue", "ocr"),): 4, (("queue", "ocr.pages"),): 2},
        "ocr_tasks_running": {(): 1},
        "ocr_upload_bytes_held": {(): 1234},
        "ocr_tasks_submitted_total": {(): 10},
        "ocr_tasks_succeeded_total": {(): 6},
        "ocr_tasks_failed_total": {(("code", "corrupt_document"),): 2, (("code", "timeout"),): 1},
        "ocr_task_duration_seconds": {},
        "ocr_task_duration_seconds_bucket": {
            (("le", "1"),): 2,
            (("le", "10"),): 5,
            (("le", "+Inf"),): 6,
        },
        "ocr_task_duration_seconds_sum": {(): 42.5},
        "ocr_task_duration_seconds_count": {(): 6},
        "ocr_pages_processed_total": {(): 17},
        "ocr_workers": {(): 3},
        "ocr_http_requests_total": {
            (
                ("method", "GET"),
                ("route", "/api/v1/ocr/results/{task_id}"),
                ("status", "200"),
            ): 9
        },
    }


def test_a_histogram_has_cumulative_buckets_then_sum_and_count() -> None:
    values = Histogram({0.5: 1, 2.5: 3, math.inf: 4}, 7.25, 4)
    text = render([histogram("h_seconds", "Durations.", values)])
    assert text.splitlines() == [
        "# HELP h_seconds Durations.",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{le="0.5"} 1',
        'h_seconds_bucket{le="2.5"} 3',
        'h_seconds_bucket{le="+Inf"} 4',
        "h_seconds_sum 7.25",
        "h_seconds_count 4",
    ]
