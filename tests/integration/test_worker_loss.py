"""A worker process killed mid-task: the task is delivered again, and a document that kills
every worker ends as FAILURE ``worker_lost`` after OCR_MAX_ATTEMPTS deliveries."""

from __future__ import annotations

import os
import signal

import pytest

from factories import PAGE_LINES, multipage, text_image
from integration.service import MAX_ATTEMPTS, Service

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PAGES = 12


def long_document() -> bytes:
    return multipage([text_image(PAGE_LINES[i % 3]) for i in range(PAGES)], "TIFF")


def kill_running_child(service: Service, task_id: str) -> None:
    service.wait_for(task_id, {"STARTED"})
    (child,) = service.pool_children()
    os.kill(child, signal.SIGKILL)
    service.wait_for(task_id, {"PENDING", "FAILURE"})


def test_task_survives_a_killed_worker_process(service: Service) -> None:
    task_id = service.submit(long_document())
    kill_running_child(service, task_id)
    body = service.wait(task_id)
    assert body["status"] == "SUCCESS", body
    assert len(body["result"]["pages"]) == PAGES
    assert [d["page_number"] for d in body["result"]["detections"]] == sorted(
        d["page_number"] for d in body["result"]["detections"]
    )


def test_poison_document_fails_after_max_attempts(service: Service) -> None:
    task_id = service.submit(long_document())
    kills = 0
    while service.status(task_id)["status"] != "FAILURE":
        assert kills < MAX_ATTEMPTS, "the task was delivered more than OCR_MAX_ATTEMPTS times"
        kill_running_child(service, task_id)
        kills += 1
    body = service.status(task_id)
    assert kills == MAX_ATTEMPTS
    assert body["result"]["code"] == "worker_lost"
    after = service.wait(service.submit(multipage([text_image(PAGE_LINES[1])], "TIFF")))
    assert after["status"] == "SUCCESS"
