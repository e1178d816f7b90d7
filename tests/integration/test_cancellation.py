"""DELETE on a task: a running document stops before its next page and reads as FAILURE
``cancelled``; a queued one never runs; a finished one is forgotten."""

from __future__ import annotations

import time

import httpx
import pytest

from ocr_dev.factories import PAGE_LINES, encode, multipage, text_image
from ocr_dev.service import Service

pytestmark = pytest.mark.integration

PAGES = 12


def delete(service: Service, task_id: str) -> int:
    return httpx.delete(f"{service.base_url}/api/v1/ocr/results/{task_id}", timeout=30).status_code


def test_running_and_queued_documents_are_cancelled(service: Service) -> None:
    running = service.submit(
        multipage([text_image(PAGE_LINES[i % 3]) for i in range(PAGES)], "TIFF")
    )
    queued = service.submit(encode(text_image(PAGE_LINES[0]), "PNG"))
    deadline = time.monotonic() + 60
    while not (service.status(running)["progress"] or {}).get("pages_done"):
        assert time.monotonic() < deadline, "the document never started"
        time.sleep(0.05)
    assert delete(service, queued) == 204
    assert delete(service, running) == 204
    for task_id in (running, queued):
        body = service.status(task_id)
        assert body["status"] == "FAILURE" and body["result"]["code"] == "cancelled", body
    # the worker is free again well before the cancelled document's 12 pages could be done
    after = service.wait(service.submit(encode(text_image(PAGE_LINES[1]), "PNG")), 60)
    assert after["status"] == "SUCCESS"
    assert service.status(running)["result"]["code"] == "cancelled"
    client = service.redis()
    assert client.get(f"ocr:blob:{running}") is None and client.get(f"ocr:blob:{queued}") is None
    log = (service.log_dir / "worker.log").read_text()
    assert not any(queued in line and '"processing"' in line for line in log.splitlines())


def test_a_finished_task_is_deleted(service: Service) -> None:
    task_id = service.submit(encode(text_image(PAGE_LINES[0]), "PNG"))
    assert service.wait(task_id)["status"] == "SUCCESS"
    assert delete(service, task_id) == 204
    response = httpx.get(f"{service.base_url}/api/v1/ocr/results/{task_id}", timeout=30)
    assert response.status_code == 404
    assert delete(service, task_id) == 404
