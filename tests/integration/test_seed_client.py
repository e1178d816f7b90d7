"""The seed document's Python client, unchanged but for the base URL and the file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from ocr_dev.factories import PAGE_LINES, multipage, text_image
from ocr_dev.service import Service

pytestmark = pytest.mark.integration


def test_seed_client_loop_on_a_two_page_pdf(service: Service, tmp_path: Path) -> None:
    pdf_path = tmp_path / "document.pdf"
    pdf_path.write_bytes(
        multipage([text_image(PAGE_LINES[0]), text_image(PAGE_LINES[2])], "PDF", resolution=150.0)
    )
    BASE_URL = service.base_url

    # Submit document
    with open(pdf_path, "rb") as f:
        response = requests.post(
            f"{BASE_URL}/api/v1/ocr/process",
            files={"file": ("document.pdf", f, "application/pdf")},
        )
        task_id = response.json()["task_id"]

    # Poll for results
    deadline = time.monotonic() + 120
    while True:
        result = requests.get(f"{BASE_URL}/api/v1/ocr/results/{task_id}")
        data = result.json()

        if data["status"] == "SUCCESS":
            detections = data["result"]["detections"]
            print(f"Extracted {len(detections)} text elements")
            break
        elif data["status"] == "FAILURE":
            print(f"Processing failed: {data['result']['error']}")
            break

        assert time.monotonic() < deadline, "the seed client would still be polling"
        time.sleep(2)

    assert data["status"] == "SUCCESS"
    assert [d["text"] for d in detections] == PAGE_LINES[0] + PAGE_LINES[2]
    assert [d["page_number"] for d in detections] == [1, 1, 2, 2]
