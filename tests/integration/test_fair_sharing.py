"""A short document is not starved by a long one: with one worker process busy with a
100-page document (25 page ranges on the ``ocr.pages`` queue), a one-page document sent
meanwhile ends within its own processing time plus one page range.

It holds without priorities: kombu's Redis transport rotates the order in which it reads a
worker's queues after each message it takes, so the ``ocr`` queue is read at the latest
after the next page range."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocr_dev.service import Service
from ocr_dev.workload import document, result_problems
from ocr_inference.local.launcher import free_port, local_service
from ocr_inference.local.redis_server import EmbeddedRedis

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LONG_PAGES = 100
PER_TASK = 4


@pytest.fixture
def one_process(tmp_path: Path) -> Iterator[Service]:
    redis = EmbeddedRedis(tmp_path / "redis", port=free_port())
    env = {
        "OCR_DEVICE": "cpu",
        "OCR_PIPELINE_CONFIG": "text-fast",
        "OCR_PAGES_PER_TASK": str(PER_TASK),
    }
    with local_service(redis, port=free_port(), env=env, log_dir=tmp_path, concurrency=1) as up:
        up.wait_ready()
        yield Service(up.base_url, redis.url, up.worker, tmp_path)


def test_a_one_page_document_waits_at_most_one_page_range(one_process: Service) -> None:
    service = one_process
    long_id = service.submit(document(LONG_PAGES), name="long.tiff")
    began = time.monotonic()
    while (service.status(long_id).get("progress") or {}).get("pages_done", 0) < 2 * PER_TASK:
        assert time.monotonic() - began < 300, service.status(long_id)
        time.sleep(0.05)
    seconds_per_page = (time.monotonic() - began) / (2 * PER_TASK)

    sent = time.monotonic()
    short_id = service.submit(document(1), name="short.tiff")
    short = service.wait(short_id, timeout_s=300)
    waited = time.monotonic() - sent
    assert not result_problems(short, 1, 0)
    long_status = service.status(long_id)
    assert long_status["status"] != "SUCCESS", "the long document ended first: no contest"

    own = short["result"]["meta"]["seconds"]
    one_range = PER_TASK * seconds_per_page
    print(
        f"one-page document: {waited:.1f} s from submission to SUCCESS, its own processing "
        f"{own:.1f} s, one page range about {one_range:.1f} s"
    )
    assert waited <= own + one_range + 1.0  # 1 s: polling and the queue's round trip
    assert not result_problems(service.wait(long_id, timeout_s=600), LONG_PAGES, 0)
