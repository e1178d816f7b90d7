"""Uploads through the live API, processed by a real worker over a real Redis-compatible
server: the public contract end to end."""

from __future__ import annotations

import http.client
import itertools
import select
import uuid
from typing import Any

import httpx
import pytest

from ocr_dev.factories import PAGE_LINES, encode, multipage, png_with_header_size, text_image
from ocr_dev.service import MAX_PAGES, MAX_UPLOAD_MB, Service
from ocr_dev.support import Labels, parse_metrics

pytestmark = pytest.mark.integration


def texts(body: dict[str, Any], page: int | None = None) -> list[str]:
    return [
        d["text"] for d in body["result"]["detections"] if page is None or d["page_number"] == page
    ]


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("PNG", {}), ("JPEG", {"quality": 95}), ("BMP", {}), ("WEBP", {"lossless": True})],
)
def test_single_image_formats(service: Service, fmt: str, options: dict[str, Any]) -> None:
    body = service.wait(service.submit(encode(text_image(PAGE_LINES[0]), fmt, **options)))
    assert body["status"] == "SUCCESS", body
    assert texts(body) == PAGE_LINES[0]
    result = body["result"]
    ((page),) = result["pages"]
    assert (page["page_number"], page["width"], page["height"]) == (1, 1400, 500)
    assert page["dpi"] is None or page["dpi"] > 0  # BMP files carry one, the others not here
    for detection in result["detections"]:
        assert len(detection["box"]) == 4 and 0 < detection["confidence"] <= 1
        assert all(0 <= x <= 1400 and 0 <= y <= 500 for x, y in detection["box"])
    assert {m["name"] for m in result["meta"]["models"]} >= {"PP-OCRv6_rec_small"}
    assert all(len(m["sha256"]) == 64 for m in result["meta"]["models"])
    assert result["meta"]["seconds"] > 0 and body["pending_tasks"] >= 0
    assert result["markdown"].startswith("<!-- page 1 -->")
    for block in result["layout"]:
        assert block["page_number"] == 1 and len(block["box"]) == 4
    assert all(
        d["block"] is None or 0 <= d["block"] < len(result["layout"]) for d in result["detections"]
    )


def test_two_page_pdf_is_rendered_at_300_dpi(service: Service) -> None:
    pdf = multipage([text_image(PAGE_LINES[0]), text_image(PAGE_LINES[2])], "PDF", resolution=100.0)
    body = service.wait(service.submit(pdf, "doc.pdf"))
    assert body["status"] == "SUCCESS", body
    assert texts(body, 1) == PAGE_LINES[0] and texts(body, 2) == PAGE_LINES[2]
    assert [(p["width"], p["height"], p["dpi"]) for p in body["result"]["pages"]] == [
        (4200, 1500, 300.0)
    ] * 2


def test_multipage_tiff(service: Service) -> None:
    tiff = multipage([text_image(lines) for lines in PAGE_LINES], "TIFF")
    body = service.wait(service.submit(tiff, "scan.tif"))
    assert body["status"] == "SUCCESS", body
    for number, lines in enumerate(PAGE_LINES, start=1):
        assert texts(body, number) == lines


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.7\n1 0 obj garbage", "corrupt_document"),
        (png_with_header_size(30000, 30000), "too_many_pixels"),
        (
            multipage([text_image(["p"], size=(40, 40))] * (MAX_PAGES + 1), "TIFF"),
            "too_many_pages",
        ),
    ],
    ids=["corrupt-pdf", "pixel-bomb", "too-many-pages"],
)
def test_bad_documents_fail_with_a_code_and_the_worker_goes_on(
    service: Service, data: bytes, code: str
) -> None:
    body = service.wait(service.submit(data))
    assert body["status"] == "FAILURE"
    assert body["result"]["code"] == code and body["result"]["error"]
    healthy = service.wait(service.submit(encode(text_image(PAGE_LINES[1]), "PNG")))
    assert healthy["status"] == "SUCCESS" and texts(healthy) == PAGE_LINES[1]


def test_unknown_id_is_404(service: Service) -> None:
    response = httpx.get(f"{service.base_url}/api/v1/ocr/results/{uuid.uuid4()}")
    assert response.status_code == 404


def test_upload_refusals(service: Service) -> None:
    url = f"{service.base_url}/api/v1/ocr/process"
    assert httpx.post(url, files={"file": ("a.png", b"")}).status_code == 400
    assert httpx.post(url, files={"file": ("a.png", b"GIF89a....")}).status_code == 415
    big = b"%PDF-1.7\n" + bytes(MAX_UPLOAD_MB * 1024 * 1024)
    assert httpx.post(url, files={"file": ("a.pdf", big)}, timeout=30).status_code == 413


def test_oversized_stream_is_cut_off_before_it_is_all_sent(service: Service) -> None:
    host, port = service.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/api/v1/ocr/process")
    connection.putheader("Content-Type", "multipart/form-data; boundary=b")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    assert connection.sock is not None
    total, sent = 50 * 1024 * 1024, 0
    preamble = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n%PDF'
    chunk = bytes(65536)
    try:
        for piece in itertools.chain([preamble], itertools.repeat(chunk)):
            if sent >= total or select.select([connection.sock], [], [], 0)[0]:
                break  # the server has answered
            connection.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = connection.getresponse()
    assert response.status == 413
    assert sent < total / 4  # refused while streaming, long before the 50 MiB were sent


def test_health_reports_a_ready_worker(service: Service) -> None:
    response = httpx.get(f"{service.base_url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["redis"] == "ok"
    assert body["workers"] >= 1 and body["models_loaded"] is True


def test_metrics_count_what_the_worker_ended(service: Service) -> None:
    def scrape() -> dict[str, dict[Labels, float]]:
        response = httpx.get(f"{service.base_url}/metrics")
        assert response.status_code == 200
        return parse_metrics(response.text)

    corrupt = (("code", "corrupt_document"),)
    before = scrape()
    bad = service.wait(service.submit(b"%PDF-1.7\n1 0 obj garbage"))
    good = service.wait(service.submit(encode(text_image(PAGE_LINES[1]), "PNG")))
    assert (bad["status"], good["status"]) == ("FAILURE", "SUCCESS")
    after = scrape()
    submitted = "ocr_tasks_submitted_total"
    assert after[submitted][()] == before[submitted][()] + 2
    assert after["ocr_tasks_succeeded_total"][()] >= before["ocr_tasks_succeeded_total"][()] + 1
    failed = after["ocr_tasks_failed_total"]
    assert failed[corrupt] == before["ocr_tasks_failed_total"].get(corrupt, 0) + 1
    # the success's time went into the histogram, its page into the pages counter
    count, total = "ocr_task_duration_seconds_count", "ocr_task_duration_seconds_sum"
    assert after[count][()] >= before[count][()] + 1
    assert after[total][()] > before[total][()]
    inf = (("le", "+Inf"),)
    assert after["ocr_task_duration_seconds_bucket"][inf] == after[count][()]
    pages = "ocr_pages_processed_total"
    assert after[pages][()] >= before[pages][()] + 1
    assert after["ocr_workers"][()] >= 1
    accepted = (("method", "POST"), ("route", "/api/v1/ocr/process"), ("status", "202"))
    requests = "ocr_http_requests_total"
    assert after[requests][accepted] == before[requests].get(accepted, 0) + 2
