"""Submission options, Idempotency-Key and signed webhooks through the live service: a real
worker POSTs to a receiver that these tests run on 127.0.0.1."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest

from ocr_dev.factories import PAGE_LINES, encode, multipage, text_image
from ocr_dev.service import WEBHOOK_SECRET, Service
from ocr_dev.webhook_receiver import Delivery, Receiver
from ocr_inference.tasks import webhooks

pytestmark = pytest.mark.integration

CORRUPT_PDF = b"%PDF-1.7\n1 0 obj garbage"


def submit(service: Service, data: bytes, name: str, headers: dict[str, str]) -> httpx.Response:
    """The answer to an upload with ``headers``, whatever its status."""
    return httpx.post(
        f"{service.base_url}/api/v1/ocr/process",
        files={"file": (name, data)},
        headers=headers,
        timeout=30,
    )


def accepted(response: httpx.Response) -> str:
    assert response.status_code == 202, response.text
    return str(response.json()["task_id"])


def assert_signed(delivery: Delivery) -> None:
    # http.server keeps the header's spelling as sent
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers[webhooks.SIGNATURE_HEADER.lower()] == webhooks.sign(
        delivery.body, WEBHOOK_SECRET
    )
    assert headers[webhooks.SIGNATURE_HEADER.lower()].startswith("sha256=")


def test_success_is_posted_signed(service: Service, receiver: Receiver) -> None:
    png = encode(text_image(PAGE_LINES[0]), "PNG")
    task_id = service.submit(png, "page.png", callback_url=receiver.url)
    (delivery,) = receiver.wait(1)
    assert delivery.json() == {"task_id": task_id, "status": "SUCCESS"}
    assert_signed(delivery)
    # the result is stored before the webhook is sent, so the receiver can read it at once
    assert service.status(task_id)["status"] == "SUCCESS"


def test_failure_is_posted_with_its_code(service: Service, receiver: Receiver) -> None:
    task_id = service.submit(CORRUPT_PDF, "bad.pdf", callback_url=receiver.url)
    (delivery,) = receiver.wait(1)
    assert delivery.json() == {
        "task_id": task_id,
        "status": "FAILURE",
        "code": "corrupt_document",
    }
    assert_signed(delivery)


def test_a_failed_delivery_is_retried(service: Service, receiver: Receiver) -> None:
    receiver.statuses = [500, 200]
    png = encode(text_image(PAGE_LINES[1]), "PNG")
    task_id = service.submit(png, "page.png", callback_url=receiver.url)
    first, second = receiver.wait(2, timeout_s=60)
    assert first.body == second.body
    assert second.json() == {"task_id": task_id, "status": "SUCCESS"}
    assert_signed(second)


def test_a_webhook_is_given_up_after_five_tries(service: Service, receiver: Receiver) -> None:
    receiver.statuses = [500] * 5
    png = encode(text_image(PAGE_LINES[0]), "PNG")
    task_id = service.submit(png, "page.png", callback_url=receiver.url)
    deliveries = receiver.wait(5, timeout_s=90)  # about 1, 2, 4 and 8 s apart
    assert {d.body for d in deliveries} == {deliveries[0].body}
    warning = worker_log_entry(service, "webhook given up", task_id)
    assert "500" in warning["message"]
    assert len(receiver.deliveries) == 5  # given up: no sixth try follows
    assert service.status(task_id)["status"] == "SUCCESS"  # the result does not depend on it


def worker_log_entry(
    service: Service, message: str, document: str, timeout_s: float = 30
) -> dict[str, Any]:
    """The first JSON line of the worker's log whose message starts with ``message`` and
    that is about ``document``, once it is written."""
    deadline = time.monotonic() + timeout_s
    while True:
        for line in (service.log_dir / "worker.log").read_text().splitlines():
            try:
                entry: dict[str, Any] = json.loads(line)
            except ValueError:
                continue
            if entry.get("document") == document and entry["message"].startswith(message):
                return entry
        assert time.monotonic() < deadline, f"the worker logged no {message!r} for {document}"
        time.sleep(0.2)


def page_range_tasks(service: Service) -> set[str]:
    """Ids of every task delivered so far but the documents' own (each delivery of a
    task counts under ``ocr:attempts:{id}``; a document's id is that of its record)."""
    client = service.redis()
    ids = {key.removeprefix("ocr:attempts:") for key in client.scan_iter("ocr:attempts:*")}
    return {i for i in ids if not client.exists(f"ocr:task:{i}")}


# OCR_PAGES_PER_TASK is 4: three selected pages are one task, five are split in two ranges
@pytest.mark.parametrize(
    ("pages", "numbers", "ranges"), [("2,5-6", [2, 5, 6], 0), ("1-2,4-6", [1, 2, 4, 5, 6], 2)]
)
def test_pages_selects_pages_and_keeps_their_numbers(
    service: Service, pages: str, numbers: list[int], ranges: int
) -> None:
    tiff = multipage([text_image(PAGE_LINES[i % 3]) for i in range(6)], "TIFF")
    before = page_range_tasks(service)
    body = service.wait(service.submit(tiff, "scan.tif", pages=pages))
    assert body["status"] == "SUCCESS", body
    assert len(page_range_tasks(service) - before) == ranges
    result = body["result"]
    assert [p["page_number"] for p in result["pages"]] == numbers
    for number in numbers:
        texts = [d["text"] for d in result["detections"] if d["page_number"] == number]
        assert texts == PAGE_LINES[(number - 1) % 3], number


def test_a_page_the_document_lacks_is_invalid_pages(service: Service) -> None:
    tiff = multipage([text_image(lines) for lines in PAGE_LINES], "TIFF")
    body = service.wait(service.submit(tiff, "scan.tif", pages="9"))
    assert body["status"] == "FAILURE", body
    assert body["result"]["code"] == "invalid_pages"


def test_idempotency_key(service: Service) -> None:
    headers = {"Idempotency-Key": f"doc-{uuid.uuid4()}"}
    png = encode(text_image(PAGE_LINES[2]), "PNG")
    task_id = accepted(submit(service, png, "page.png", headers))
    assert accepted(submit(service, png, "again.png", headers)) == task_id
    other = submit(service, encode(text_image(PAGE_LINES[0]), "PNG"), "other.png", headers)
    assert other.status_code == 422, other.text
    assert other.json()["code"] == "idempotency_conflict"
    assert service.wait(task_id)["status"] == "SUCCESS"
