"""Fault 6: SIGTERM to a worker. It stops taking tasks, lets the task in progress (a few
pages at most) finish, and exits; the tasks still queued wait for the next worker. None is
lost and none runs twice."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from ocr_dev.cluster import Cluster, wait_all
from ocr_dev.workload import document, result_problems

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

PAGES = 4
SETTINGS = {"OCR_PAGES_PER_TASK": str(PAGES), "OCR_TASK_TIME_LIMIT_S": "60"}


def test_sigterm_finishes_the_task_in_progress_and_loses_none(tmp_path: Path) -> None:
    with Cluster(tmp_path, SETTINGS) as cluster:
        service = cluster.service
        tasks = [service.submit(document(PAGES, first)) for first in range(6)]
        running = service.wait_for(tasks[0], {"STARTED"})
        while not (running.get("progress") or {}).get("pages_done"):
            running = service.wait_for(tasks[0], {"STARTED"})
        worker = cluster.workers[-1]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        assert service.status(tasks[0])["status"] == "SUCCESS"  # finished before exiting
        assert service.status(tasks[-1])["status"] == "PENDING"  # still queued

        cluster.start_worker()
        ended = wait_all(service, tasks, timeout_s=300)
        for first, task_id in enumerate(tasks):
            assert not result_problems(ended[task_id], PAGES, first), ended[task_id]
            assert service.redis().get(f"ocr:attempts:{task_id}") == "1"  # ran once
