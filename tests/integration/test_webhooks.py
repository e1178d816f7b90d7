"""Submission options, Idempotency-Key and signed webhooks through the live service: a real
worker POSTs to a receiver that these tests run on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from factories import PAGE_LINES, encode, multipage, text_image
from integration.service import WEBHOOK_SECRET, Service
from ocr_inference import webhooks

pytestmark = pytest.mark.integration

CORRUPT_PDF = b"%PDF-1.7\n1 0 obj garbage"


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.body)
        return payload


@dataclass
class Receiver:
    """Records each POST and answers it with the next of ``statuses`` (200 once they run out)."""

    statuses: list[int] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    url: str = ""

    def record(self, delivery: Delivery) -> int:
        with self.changed:
            self.deliveries.append(delivery)
            self.changed.notify_all()
            return self.statuses.pop(0) if self.statuses else 200

    def wait(self, count: int, timeout_s: float = 60) -> list[Delivery]:
        """The first ``count`` deliveries, once they have arrived; fail after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.deliveries)} webhook(s) after {timeout_s} s, not {count}"
                    )
                self.changed.wait(left)
            return list(self.deliveries[:count])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recorder = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = recorder.record(Delivery(body, dict(self.headers.items())))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest's output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def submit(
    service: Service,
    data: bytes,
    name: str = "upload.bin",
    headers: dict[str, str] | None = None,
    **form: str,
) -> httpx.Response:
    return httpx.post(
        f"{service.base_url}/api/v1/ocr/process",
        files={"file": (name, data)},
        data=form,
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
    task_id = accepted(submit(service, png, "page.png", callback_url=receiver.url))
    (delivery,) = receiver.wait(1)
    assert delivery.json() == {"task_id": task_id, "status": "SUCCESS"}
    assert_signed(delivery)
    # the result is stored before the webhook is sent, so the receiver can read it at once
    assert service.status(task_id)["status"] == "SUCCESS"


def test_failure_is_posted_with_its_code(service: Service, receiver: Receiver) -> None:
    task_id = accepted(submit(service, CORRUPT_PDF, "bad.pdf", callback_url=receiver.url))
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
    task_id = accepted(submit(service, png, "page.png", callback_url=receiver.url))
    first, second = receiver.wait(2, timeout_s=60)
    assert first.body == second.body
    assert second.json() == {"task_id": task_id, "status": "SUCCESS"}
    assert_signed(second)


# five pages are more than OCR_PAGES_PER_TASK (4): the selection itself is split
@pytest.mark.parametrize(("pages", "numbers"), [("2,5-6", [2, 5, 6]), ("1-2,4-6", [1, 2, 4, 5, 6])])
def test_pages_selects_pages_and_keeps_their_numbers(
    service: Service, pages: str, numbers: list[int]
) -> None:
    tiff = multipage([text_image(PAGE_LINES[i % 3]) for i in range(6)], "TIFF")
    body = service.wait(accepted(submit(service, tiff, "scan.tif", pages=pages)))
    assert body["status"] == "SUCCESS", body
    result = body["result"]
    assert [p["page_number"] for p in result["pages"]] == numbers
    for number in numbers:
        texts = [d["text"] for d in result["detections"] if d["page_number"] == number]
        assert texts == PAGE_LINES[(number - 1) % 3], number


def test_a_page_the_document_lacks_is_invalid_pages(service: Service) -> None:
    tiff = multipage([text_image(lines) for lines in PAGE_LINES], "TIFF")
    body = service.wait(accepted(submit(service, tiff, "scan.tif", pages="9")))
    assert body["status"] == "FAILURE", body
    assert body["result"]["code"] == "invalid_pages"


def test_idempotency_key(service: Service) -> None:
    headers = {"Idempotency-Key": f"doc-{uuid.uuid4()}"}
    png = encode(text_image(PAGE_LINES[2]), "PNG")
    task_id = accepted(submit(service, png, "page.png", headers=headers))
    assert accepted(submit(service, png, "again.png", headers=headers)) == task_id
    other = submit(service, encode(text_image(PAGE_LINES[0]), "PNG"), headers=headers)
    assert other.status_code == 422, other.text
    assert other.json()["code"] == "idempotency_conflict"
    assert service.wait(task_id)["status"] == "SUCCESS"
