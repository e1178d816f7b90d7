"""A worker process killed mid-task: the page range it was processing is delivered again
and the document still ends SUCCESS with every page once; a page range that kills every
worker process ends its document as FAILURE ``worker_lost`` after OCR_MAX_ATTEMPTS
deliveries."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from ocr_dev.factories import PAGE_LINES, multipage, text_image
from ocr_dev.service import MAX_ATTEMPTS, Service
from ocr_dev.webhook_receiver import Receiver

pytestmark = pytest.mark.integration

PAGES = 12  # three page ranges of OCR_PAGES_PER_TASK=4


def long_document() -> bytes:
    return multipage([text_image(PAGE_LINES[i % 3]) for i in range(PAGES)], "TIFF")


def range_deliveries(service: Service, document_id: str) -> int:
    """Most deliveries of any one page-range task of any document so far."""
    client = service.redis()
    keys = [k for k in client.scan_iter("ocr:attempts:*") if not k.endswith(document_id)]
    return max((int(v) for v in client.mget(keys) if v), default=0) if keys else 0


def document_deliveries(service: Service, document_id: str) -> int:
    """Deliveries of the document's own task so far."""
    return int(service.redis().get(f"ocr:attempts:{document_id}") or 0)


def kill_during_delivery(
    service: Service, document_id: str, delivery: int, *, split: bool = True
) -> None:
    """Kill the pool process while a page range (or the document's own task, unless
    ``split``) runs for the ``delivery``-th time, and wait for its replacement."""
    deliveries = range_deliveries if split else document_deliveries
    deadline = time.monotonic() + 60
    while deliveries(service, document_id) < delivery:
        assert time.monotonic() < deadline, f"no task was delivered {delivery} times"
        time.sleep(0.02)
    (child,) = service.pool_children()
    os.kill(child, signal.SIGKILL)
    while service.pool_children() in ([], [child]):
        assert time.monotonic() < deadline, "the worker started no new pool process"
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _forget_earlier_deliveries(service: Service) -> None:
    client = service.redis()
    for key in client.scan_iter("ocr:attempts:*"):
        client.delete(key)


def test_document_survives_a_killed_worker_process(service: Service) -> None:
    task_id = service.submit(long_document())
    kill_during_delivery(service, task_id, 1)
    body = service.wait(task_id)
    assert body["status"] == "SUCCESS", body
    assert [p["page_number"] for p in body["result"]["pages"]] == list(range(1, PAGES + 1))
    for page in range(1, PAGES + 1):
        lines = [d["text"] for d in body["result"]["detections"] if d["page_number"] == page]
        assert lines == PAGE_LINES[(page - 1) % 3], page
    assert range_deliveries(service, task_id) == 2


def test_poison_document_fails_after_max_attempts(service: Service) -> None:
    task_id = service.submit(long_document())
    for delivery in range(1, MAX_ATTEMPTS + 1):
        service.wait_for(task_id, {"STARTED"})  # never ends between the kills
        kill_during_delivery(service, task_id, delivery)
    body = service.wait(task_id)
    assert body["status"] == "FAILURE", body
    assert body["result"]["code"] == "worker_lost"
    assert range_deliveries(service, task_id) == MAX_ATTEMPTS
    assert service.status(task_id)["pending_tasks"] == 0  # no longer counted as running
    after = service.wait(service.submit(multipage([text_image(PAGE_LINES[1])], "TIFF")))
    assert after["status"] == "SUCCESS"


def test_unsplit_poison_document_fails_counted_and_notified(
    service: Service, receiver: Receiver
) -> None:
    # four pages are one task (OCR_PAGES_PER_TASK): after its last death Celery itself
    # fails it, in the worker's main process, where no task body can end the document
    failed_before = failures(service, "worker_lost")
    pages = multipage([text_image(PAGE_LINES[i % 3]) for i in range(4)], "TIFF")
    task_id = service.submit(pages, "scan.tif", callback_url=receiver.url)
    for delivery in range(1, MAX_ATTEMPTS + 1):
        service.wait_for(task_id, {"STARTED"})
        kill_during_delivery(service, task_id, delivery, split=False)
    body = service.wait(task_id)
    assert body["status"] == "FAILURE", body
    assert body["result"]["code"] == "worker_lost"
    (delivery,) = receiver.wait(1)
    assert delivery.json() == {"task_id": task_id, "status": "FAILURE", "code": "worker_lost"}
    assert service.status(task_id)["pending_tasks"] == 0  # no longer counted as running
    assert failures(service, "worker_lost") == failed_before + 1


def failures(service: Service, code: str) -> int:
    """Tasks the service has counted as failed with ``code``, as /metrics reports them."""
    text = httpx.get(f"{service.base_url}/metrics", timeout=30).text
    sample = f'ocr_tasks_failed_total{{code="{code}"}} '
    counts = [row.removeprefix(sample) for row in text.splitlines() if row.startswith(sample)]
    return int(float(counts[0])) if counts else 0
