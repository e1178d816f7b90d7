"""GET /metrics against a real Redis-compatible server, with no worker consuming the queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from ocr_dev.factories import encode, text_image
from ocr_dev.support import Labels, parse_metrics
from ocr_inference.api import create_app
from ocr_inference.config import Settings
from ocr_inference.tasks.counters import DURATION_BUCKETS
from ocr_inference.tasks.store import TaskStore

KEY = "metrics-key-5d1e"


@pytest.fixture
def client(redis_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(redis_url=redis_url))) as test_client:
        yield test_client


def scrape(client: TestClient, key: str | None = None) -> dict[str, dict[Labels, float]]:
    response = client.get("/metrics", headers={"X-API-Key": key} if key else None)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse_metrics(response.text)


def submit(client: TestClient, data: bytes) -> str:
    response = client.post("/api/v1/ocr/process", files={"file": ("p.png", data, "image/png")})
    assert response.status_code == 202
    return str(response.json()["task_id"])


def test_an_empty_service_reports_zeros(client: TestClient) -> None:
    assert scrape(client) == {
        "ocr_queue_messages": {(("queue", "ocr"),): 0, (("queue", "ocr.pages"),): 0},
        "ocr_tasks_running": {(): 0},
        "ocr_upload_bytes_held": {(): 0},
        "ocr_tasks_submitted_total": {(): 0},
        "ocr_tasks_succeeded_total": {(): 0},
        "ocr_tasks_failed_total": {},
        "ocr_task_duration_seconds": {},
        "ocr_task_duration_seconds_bucket": {
            (("le", le),): 0 for le in [*(f"{b:g}" for b in DURATION_BUCKETS), "+Inf"]
        },
        "ocr_task_duration_seconds_sum": {(): 0},
        "ocr_task_duration_seconds_count": {(): 0},
        "ocr_pages_processed_total": {(): 0},
        "ocr_workers": {(): 0},
        "ocr_http_requests_total": {},
    }


def test_figures_move_with_submissions_and_ends(client: TestClient, redis_url: str) -> None:
    pages = [encode(text_image([word]), "PNG") for word in ("one", "two", "three")]
    ids = [submit(client, page) for page in pages]
    metrics = scrape(client)
    assert metrics["ocr_tasks_submitted_total"] == {(): 3}
    assert metrics["ocr_queue_messages"][(("queue", "ocr"),)] == 3
    assert metrics["ocr_upload_bytes_held"] == {(): sum(len(page) for page in pages)}

    # what a worker does when documents end, on the same Redis
    store = TaskStore(redis.Redis.from_url(redis_url), result_ttl_s=60, blob_ttl_s=120)
    store.start_document(ids[2], 1, stale_after_s=60)
    store.page_done(ids[2], stale_after_s=60)
    store.finish(ids[0], error_code=None, seconds=1.5)
    store.finish(ids[1], error_code="corrupt_document")
    store.heartbeat("w1@host", models_loaded=True, ttl_s=30)
    metrics = scrape(client)
    assert metrics["ocr_tasks_running"] == {(): 1}
    assert metrics["ocr_tasks_succeeded_total"] == {(): 1}
    assert metrics["ocr_tasks_failed_total"] == {(("code", "corrupt_document"),): 1}
    assert metrics["ocr_upload_bytes_held"] == {(): len(pages[2])}
    assert metrics["ocr_pages_processed_total"] == {(): 1}
    assert metrics["ocr_workers"] == {(): 1}
    buckets = metrics["ocr_task_duration_seconds_bucket"]
    assert (buckets[(("le", "1"),)], buckets[(("le", "2.5"),)], buckets[(("le", "+Inf"),)]) == (
        0,
        1,
        1,
    )
    assert metrics["ocr_task_duration_seconds_sum"] == {(): 1.5}
    assert metrics["ocr_task_duration_seconds_count"] == {(): 1}
    store.client.close()


def test_metrics_stay_public_with_keys_unless_required(redis_url: str) -> None:
    public = Settings(redis_url=redis_url, api_keys=KEY)
    with TestClient(create_app(public)) as client:
        assert scrape(client)["ocr_tasks_submitted_total"] == {(): 0}

    required = Settings(redis_url=redis_url, api_keys=KEY, metrics_require_key=True)
    with TestClient(create_app(required)) as client:
        for headers in ({}, {"X-API-Key": "wrong"}):
            refused = client.get("/metrics", headers=headers)
            assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
            assert refused.headers["WWW-Authenticate"]
        assert scrape(client, KEY)["ocr_tasks_submitted_total"] == {(): 0}


def test_requiring_a_key_without_keys_leaves_metrics_open(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, metrics_require_key=True)
    with TestClient(create_app(settings)) as client:
        assert scrape(client)["ocr_tasks_running"] == {(): 0}


def test_redis_down_means_503() -> None:
    with TestClient(create_app(Settings(redis_url="redis://127.0.0.1:1/0"))) as down:
        response = down.get("/metrics")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable" and response.headers["Retry-After"] == "5"


def requests_counted(client: TestClient) -> dict[tuple[str, str, str], float]:
    return {
        (dict(labels)["method"], dict(labels)["route"], dict(labels)["status"]): count
        for labels, count in scrape(client)["ocr_http_requests_total"].items()
    }


def test_requests_are_counted_by_route_template_method_and_status(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, max_upload_mb=1)
    with TestClient(create_app(settings)) as client:
        task_id = submit(client, encode(text_image(["one"]), "PNG"))
        assert client.get(f"/api/v1/ocr/results/{task_id}").status_code == 200
        assert client.get("/api/v1/ocr/results/unknown-id").status_code == 404
        assert client.delete(f"/api/v1/ocr/results/{task_id}").status_code == 204
        assert client.get("/no/such/path").status_code == 404
        assert client.get("/api/v1/ocr/process").status_code == 405
        too_big = b"x" * (2 << 20)
        refused = client.post("/api/v1/ocr/process", files={"file": ("big.png", too_big)})
        assert refused.status_code == 413
        scrape(client)  # scrapes are not counted
        results = "/api/v1/ocr/results/{task_id}"
        assert requests_counted(client) == {
            ("POST", "/api/v1/ocr/process", "202"): 1,
            ("POST", "/api/v1/ocr/process", "413"): 1,
            ("GET", "/api/v1/ocr/process", "405"): 1,
            ("GET", results, "200"): 1,
            ("GET", results, "404"): 1,
            ("DELETE", results, "204"): 1,
            ("GET", "unmatched", "404"): 1,
        }


def test_the_request_counts_of_several_api_processes_add_up(redis_url: str) -> None:
    apps = [create_app(Settings(redis_url=redis_url)) for _ in range(2)]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        for client in (first, second):
            assert client.get("/health").status_code in (200, 503)
        counted = requests_counted(first)
        assert sum(n for (_, route, _), n in counted.items() if route == "/health") == 2
        assert counted == requests_counted(second)
