"""A document longer than OCR_PAGES_PER_TASK is processed as page ranges, possibly by
several worker processes, and reads as one document: one task id, pages in order,
progress per page, and one entry in ``pending_tasks``."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from PIL import Image

from ocr_dev.factories import PAGE_LINES, multipage, text_image
from ocr_dev.service import Service
from ocr_inference.documents import open_document

pytestmark = pytest.mark.integration

PAGES = 10  # ranges of 4, 4 and 2 pages


def watch(service: Service, task_id: str, timeout_s: float = 120) -> list[dict[str, Any]]:
    """Every status read until the task ends, the last one included."""
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = service.status(task_id)
        seen.append(body)
        if body["status"] in ("SUCCESS", "FAILURE"):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not end in {timeout_s} s: {seen[-1]}")


def test_long_document_is_split_into_page_ranges_and_merged(service: Service) -> None:
    images = [text_image([f"Page {n} of ten", *PAGE_LINES[n % 3]]) for n in range(1, PAGES + 1)]
    task_id = service.submit(multipage(images, "PDF", resolution=150.0))
    seen = watch(service, task_id)
    body = seen[-1]
    assert body["status"] == "SUCCESS", body
    result = body["result"]
    assert [p["page_number"] for p in result["pages"]] == list(range(1, PAGES + 1))
    for n in range(1, PAGES + 1):
        lines = [d["text"] for d in result["detections"] if d["page_number"] == n]
        assert sorted(lines) == sorted([f"Page {n} of ten", *PAGE_LINES[n % 3]]), n
    assert [int(m.group(1)) for m in _markers(result["markdown"])] == list(range(1, PAGES + 1))
    running = [b for b in seen if b["status"] == "STARTED" and b["progress"]]
    assert running, "no progress was reported while the document ran"
    done = [b["progress"]["pages_done"] for b in running]
    assert done == sorted(done) and max(done) <= PAGES
    assert {b["progress"]["pages_total"] for b in running} == {PAGES}
    assert {b["pending_tasks"] for b in running} == {1}  # one document, however many ranges
    log = (service.log_dir / "worker.log").read_text()
    assert any('"message": "split"' in line and task_id in line for line in log.splitlines())


def test_a_failed_range_fails_the_whole_document_with_its_code(service: Service) -> None:
    data = tiff_with_a_broken_last_page([text_image(PAGE_LINES[n % 3]) for n in range(PAGES)])
    body = service.wait(service.submit(data))
    assert body["status"] == "FAILURE", body
    assert body["result"]["code"] == "corrupt_document"
    assert "Page 10" in body["result"]["error"]


def tiff_with_a_broken_last_page(images: list[Image.Image]) -> bytes:
    """Headers intact, so the document is accepted and split; only the range holding the
    last page fails, when that page is decoded."""
    data = bytearray(multipage(images, "TIFF"))
    with Image.open(io.BytesIO(bytes(data))) as tiff:
        tiff.seek(len(images) - 1)
        offset, size = tiff.tag_v2[273][0], tiff.tag_v2[279][0]  # its first strip
    data[offset + 10 : offset + size - 10] = bytes(size - 20)
    document = open_document(bytes(data), select=range(len(images) - 4))
    assert document.page_count == len(images) and len(list(document.pages)) == len(images) - 4
    return bytes(data)


def _markers(markdown: str) -> list[Any]:
    return list(re.finditer(r"<!-- page (\d+) -->", markdown))
