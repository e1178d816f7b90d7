"""The API against a real Redis-compatible server, with no worker consuming the queue."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ocr_dev.factories import encode, text_image
from ocr_inference.api import create_app
from ocr_inference.config import Settings


@pytest.fixture
def client(redis_url: str) -> Iterator[TestClient]:
    settings = Settings(redis_url=redis_url, max_upload_mb=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def submit(
    client: TestClient, data: bytes, name: str = "page.png"
) -> tuple[int, dict[str, object]]:
    response = client.post("/api/v1/ocr/process", files={"file": (name, data, "image/png")})
    return response.status_code, response.json()


def test_accepted_upload_matches_the_contract_and_is_queued(client: TestClient) -> None:
    status, body = submit(client, encode(text_image(["hello"]), "PNG"))
    assert status == 202
    assert body == {
        "task_id": body["task_id"],
        "status": "pending",
        "message": "OCR task queued successfully.",
    }
    assert uuid.UUID(str(body["task_id"])).version == 4
    result = client.get(f"/api/v1/ocr/results/{body['task_id']}")
    assert result.status_code == 200
    assert result.json() == {
        "task_id": body["task_id"],
        "status": "PENDING",
        "result": None,
        "pending_tasks": 1,
        "progress": None,
        "queue_position": 0,
    }


def test_pending_tasks_counts_the_queue_in_redis(client: TestClient) -> None:
    ids = [submit(client, encode(text_image([str(i)]), "PNG"))[1]["task_id"] for i in range(3)]
    bodies = [client.get(f"/api/v1/ocr/results/{i}").json() for i in ids]
    assert [body["pending_tasks"] for body in bodies] == [3, 3, 3]
    assert [body["queue_position"] for body in bodies] == [0, 1, 2]


def test_type_comes_from_content_not_name_or_declared_type(client: TestClient) -> None:
    status, body = submit(client, encode(text_image(["x"]), "JPEG"), name="scan.pdf")
    assert status == 202
    status, body = submit(client, b"#!/bin/sh\necho not an image\n", name="page.png")
    assert (status, body["code"]) == (415, "unsupported_type")


def test_empty_file_is_400(client: TestClient) -> None:
    status, body = submit(client, b"")
    assert (status, body["code"]) == (400, "empty_file")


def test_oversized_upload_is_413(client: TestClient) -> None:
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10)
    status, body = submit(client, big)
    assert (status, body["code"]) == (413, "too_large")


def test_oversized_streamed_body_is_refused_while_streaming(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'--abc\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        for _ in range(64):  # 4 MiB in all, sent without a Content-Length
            yield b"%PDF" + b"x" * 65532
        yield b"\r\n--abc--\r\n"

    response = client.post(
        "/api/v1/ocr/process",
        content=chunks(),
        headers={"content-type": "multipart/form-data; boundary=abc"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_missing_file_field_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/ocr/process", data={"other": "x"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_unknown_or_malformed_id_is_404(client: TestClient) -> None:
    for task_id in (str(uuid.uuid4()), "not-a-uuid"):
        response = client.get(f"/api/v1/ocr/results/{task_id}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_health_reports_redis_and_no_workers(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "redis": "ok", "workers": 0, "models_loaded": False}


def test_docs_and_openapi_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/ocr/process", "/api/v1/ocr/results/{task_id}", "/health"} <= set(paths)


def test_redis_down_means_503_with_retry_after() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as down:
        health = down.get("/health")
        assert health.status_code == 503
        assert health.headers["retry-after"] == "5"
        assert health.json() == {
            "status": "unavailable",
            "redis": "unreachable",
            "workers": 0,
            "models_loaded": False,
        }
        status, body = submit(down, encode(text_image(["x"]), "PNG"))
        assert (status, body["code"]) == (503, "unavailable")
        assert down.get(f"/api/v1/ocr/results/{uuid.uuid4()}").status_code == 503


def test_uploads_beyond_the_queue_limit_get_503_with_retry_after(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, max_queued=2)
    with TestClient(create_app(settings)) as client:
        page = encode(text_image(["x"]), "PNG")
        assert [submit(client, page)[0] for _ in range(2)] == [202, 202]
        response = client.post("/api/v1/ocr/process", files={"file": ("p.png", page)})
        assert response.status_code == 503
        assert response.json()["code"] == "busy" and "2 documents" in response.json()["detail"]
        assert response.headers["Retry-After"] == "30"


def test_uploads_beyond_the_stored_bytes_limit_get_503(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, max_stored_mb=1)
    half = b"%PDF-1.7\n" + b"0" * (600 * 1024)
    with TestClient(create_app(settings)) as client:
        assert submit(client, half)[0] == 202
        status, body = submit(client, half)
        assert (status, body["code"]) == (503, "busy")
        assert "1 MiB" in str(body["detail"])


def test_deleting_a_queued_task_cancels_it(client: TestClient) -> None:
    task_id = submit(client, encode(text_image(["x"]), "PNG"))[1]["task_id"]
    assert client.delete(f"/api/v1/ocr/results/{task_id}").status_code == 204
    body = client.get(f"/api/v1/ocr/results/{task_id}").json()
    assert body["status"] == "FAILURE" and body["result"]["code"] == "cancelled"


def test_deleting_an_unknown_task_is_404(client: TestClient) -> None:
    response = client.delete(f"/api/v1/ocr/results/{uuid.uuid4()}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
