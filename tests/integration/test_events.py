"""A task's results streamed page by page (``/results/{id}/events``) against the real
worker: a split document's pages arrive before its end, each once, equal to ``?page=N``; a
stream resumed with ``Last-Event-ID`` neither repeats nor skips; a cancelled document ends
with ``cancelled``; a closed stream leaves nothing behind; and ``queue_position`` falls as
the documents ahead are taken."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ocr_dev.factories import PAGE_LINES, encode, multipage, text_image
from ocr_dev.service import Service
from ocr_inference.client import Client, ServerEvent

pytestmark = pytest.mark.integration

PAGES = 10  # split into ranges of 4, 4 and 2 pages


def ten_pages() -> bytes:
    images = [text_image([f"Page {n} of ten", *PAGE_LINES[n % 3]]) for n in range(1, PAGES + 1)]
    return multipage(images, "PDF", resolution=150.0)


def page_numbers(events: list[ServerEvent]) -> list[int]:
    return [int(e.data["page"]["page_number"]) for e in events if e.event == "page"]


def test_a_split_documents_pages_arrive_before_its_end_each_once(service: Service) -> None:
    task_id = service.submit(ten_pages())
    events: list[ServerEvent] = []
    status_at_first_page = None
    with Client(service.base_url) as client:
        for event in client.events(task_id, timeout=180):
            if event.event == "page" and status_at_first_page is None:
                status_at_first_page = service.status(task_id)["status"]
            events.append(event)
    assert status_at_first_page in ("PENDING", "STARTED"), "no page came before the end"
    assert [e.event for e in events][-1] == "end"
    assert events[-1].data == {"status": "SUCCESS", "error": None, "code": None}
    assert sorted(page_numbers(events)) == list(range(1, PAGES + 1))
    assert all(e.event != "end" for e in events[:-1])
    ids = [int(e.id or 0) for e in events if e.event == "page"]
    assert ids == list(range(1, PAGES + 1))
    for event in (e for e in events if e.event == "page"):  # the same as ?page=N
        number = event.data["page"]["page_number"]
        answer = httpx.get(
            f"{service.base_url}/api/v1/ocr/results/{task_id}", params={"page": number}
        ).json()["result"]
        for field in ("detections", "layout", "tables", "markdown"):
            assert event.data[field] == answer[field], (number, field)
        assert event.data["page"] == answer["pages"][0]
    progress = [e.data for e in events if e.event == "progress"]
    assert progress and {p["pages_total"] for p in progress} == {PAGES}


def test_a_stream_resumed_with_last_event_id_goes_on_where_it_stopped(service: Service) -> None:
    task_id = service.submit(ten_pages())
    first: list[ServerEvent] = []
    with Client(service.base_url) as client:
        for event in client.events(task_id, timeout=180):
            first.append(event)
            if len(page_numbers(first)) == 3:
                break
        assert service.status(task_id)["status"] != "SUCCESS", "resumed only after the end"
        last_id = first[-1].id
        rest = list(client.events(task_id, last_event_id=last_id, timeout=180))
    assert last_id == "3"
    assert rest[-1].event == "end" and rest[-1].data["status"] == "SUCCESS"
    seen = page_numbers(first) + page_numbers(rest)
    assert sorted(seen) == list(range(1, PAGES + 1)), seen
    assert [int(e.id or 0) for e in rest if e.event == "page"] == list(range(4, PAGES + 1))
    # after the end, a resumed stream reads the result in the same order
    with Client(service.base_url) as client:
        again = list(client.events(task_id, last_event_id="3", timeout=60))
    assert page_numbers(again) == page_numbers(rest)


def test_pages_done_again_after_a_killed_worker_process_are_sent_once(service: Service) -> None:
    client = service.redis()
    earlier = set(client.scan_iter("ocr:attempts:*"))
    task_id = service.submit(ten_pages())
    events: list[ServerEvent] = []

    def read() -> None:
        with Client(service.base_url) as client:
            events.extend(client.events(task_id, timeout=300))

    reader = threading.Thread(target=read)
    reader.start()
    wait_until(lambda: client.llen(f"ocr:pages:{task_id}") >= 1, "no page was kept", 120)
    (child,) = service.pool_children()
    os.kill(child, signal.SIGKILL)  # mid-range: the range is delivered again and redone
    reader.join(300)
    assert events and events[-1].event == "end", events[-3:]
    assert events[-1].data["status"] == "SUCCESS"
    assert sorted(page_numbers(events)) == list(range(1, PAGES + 1))
    ours = set(client.scan_iter("ocr:attempts:*")) - earlier
    assert max(int(client.get(key) or 0) for key in ours) >= 2, "no task was delivered again"


def test_a_cancelled_document_ends_with_cancelled(service: Service) -> None:
    images = [text_image(PAGE_LINES[i % 3]) for i in range(12)]
    task_id = service.submit(multipage(images, "TIFF"))
    events: list[ServerEvent] = []
    with Client(service.base_url) as client:
        for event in client.events(task_id, timeout=180):
            events.append(event)
            if event.event == "page" and len(page_numbers(events)) == 1:
                client.delete(task_id)
    assert events[-1].event == "end"
    assert events[-1].data["status"] == "FAILURE"
    assert events[-1].data["code"] == "cancelled"
    assert len(page_numbers(events)) < 12


def test_a_closed_stream_gives_its_place_back(service: Service) -> None:
    task_id = service.submit(ten_pages())
    url = f"{service.base_url}/api/v1/ocr/results/{task_id}/events"
    client = service.redis()
    with httpx.stream("GET", url, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        assert client.zcard("ocr:streams:-") == 1
        next(response.iter_lines())
    wait_until(lambda: client.zcard("ocr:streams:-") == 0, "the stream's lease stayed")
    assert service.wait(task_id)["status"] == "SUCCESS"


def test_unknown_and_malformed_ids(service: Service) -> None:
    url = f"{service.base_url}/api/v1/ocr/results/no-such-task/events"
    assert httpx.get(url, timeout=30).status_code == 404
    task_id = service.submit(encode(text_image(PAGE_LINES[1]), "PNG"))
    service.wait(task_id)
    with Client(service.base_url) as client:
        events = list(client.events(task_id, last_event_id="not-a-number", timeout=60))
    assert [e.event for e in events] == ["page", "end"]
    assert events[0].id == "1"


def test_queue_position_falls_as_the_documents_ahead_are_taken(service: Service) -> None:
    busy = service.submit(multipage([text_image(PAGE_LINES[i % 3]) for i in range(4)], "TIFF"))
    service.wait_for(busy, {"STARTED"})
    queued = [service.submit(encode(text_image(PAGE_LINES[i]), "PNG")) for i in range(3)]
    positions = list(_positions(service, queued[-1]))
    assert positions[0] == 2, positions  # the two submitted before it
    assert positions == sorted(positions, reverse=True), positions
    assert positions[-1] <= 1
    assert service.wait(queued[-1])["status"] == "SUCCESS"
    assert service.status(queued[-1])["queue_position"] is None  # only while PENDING


def _positions(service: Service, task_id: str) -> Iterator[int]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, Any] = service.status(task_id)
        if body["status"] != "PENDING":
            return
        yield int(body["queue_position"])
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} still pending")


def wait_until(condition: Any, message: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
