"""Submission options and Idempotency-Key, through the route, against a real Redis-compatible
server and no worker."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from ocr_dev.factories import encode, text_image
from ocr_inference.api import create_app
from ocr_inference.config import Settings
from ocr_inference.tasks.idempotency import IdempotencyClaim
from ocr_inference.tasks.queue import QUEUE
from ocr_inference.tasks.store import TaskOptions, TaskStore
from ocr_inference.tasks.submission import STALLED_AFTER_S

PAGE = encode(text_image(["one"]), "PNG")
OTHER = encode(text_image(["two"]), "PNG")
KEY_A, KEY_B = "key-a-7f3c9e1d2b", "key-b-4a8e0c2f"


@pytest.fixture
def client(redis_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(redis_url=redis_url, max_pages=50))) as test_client:
        yield test_client


def store(redis_url: str) -> TaskStore:
    return TaskStore(redis.Redis.from_url(redis_url), result_ttl_s=60, blob_ttl_s=120)


def post(
    client: TestClient,
    data: bytes = PAGE,
    headers: dict[str, str] | None = None,
    **form: str,
) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/api/v1/ocr/process",
        files={"file": ("page.png", data, "image/png")},
        data=form,
        headers=headers or {},
    )
    return response.status_code, response.json()


def test_options_are_stored_normalized_with_the_task(client: TestClient, redis_url: str) -> None:
    status, body = post(client, pages="7, 1-3,2", dpi="150", callback_url="https://8.8.8.8/hook")
    assert status == 202
    options = store(redis_url).options(str(body["task_id"]))
    assert options == TaskOptions(pages="1-3,7", dpi=150, callback_url="https://8.8.8.8/hook")


def test_without_options_none_is_stored(client: TestClient, redis_url: str) -> None:
    status, body = post(client, pages="", callback_url="")
    assert status == 202
    assert store(redis_url).options(str(body["task_id"])) == TaskOptions()


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"pages": "1-x"}, "pages", "not a page number"),
        ({"pages": "4-2"}, "pages", "backwards"),
        ({"pages": "51"}, "pages", "beyond the limit of 50"),
        ({"dpi": "71"}, "dpi", "greater than or equal to 72"),
        ({"dpi": "601"}, "dpi", "less than or equal to 600"),
        ({"callback_url": "ftp://8.8.8.8/x"}, "callback_url", "only http and https"),
        ({"callback_url": "http://127.0.0.1:9/x"}, "callback_url", "loopback"),
        ({"callback_url": "http://[fd00::5]/x"}, "callback_url", "private"),
        ({"callback_url": "http://169.254.169.254/"}, "callback_url", "link-local"),
    ],
)
def test_bad_options_are_422_with_a_reason(
    client: TestClient, form: dict[str, str], field: str, reason: str
) -> None:
    status, body = post(client, **form)
    assert (status, body["code"]) == (422, "invalid_request")
    assert f"body.{field}" in str(body["detail"]) and reason in str(body["detail"])


def test_a_repeat_with_the_same_key_and_file_is_the_same_task(
    client: TestClient, redis_url: str
) -> None:
    first = post(client, headers={"Idempotency-Key": "order-42"})
    again = post(client, headers={"Idempotency-Key": "order-42"})
    assert first[0] == again[0] == 202 and first[1] == again[1]
    other = post(client, headers={"Idempotency-Key": "order-43"})
    assert other[1]["task_id"] != first[1]["task_id"]
    assert store(redis_url).pending(QUEUE) == 2
    assert store(redis_url).stats([QUEUE]).submitted == 2


def test_the_same_key_with_another_file_is_a_conflict(client: TestClient, redis_url: str) -> None:
    post(client, headers={"Idempotency-Key": "order-42"})
    status, body = post(client, OTHER, headers={"Idempotency-Key": "order-42"})
    assert (status, body["code"]) == (422, "idempotency_conflict")
    assert store(redis_url).pending(QUEUE) == 1


def test_concurrent_repeats_create_one_task(client: TestClient, redis_url: str) -> None:
    answers: list[tuple[int, dict[str, object]]] = []
    start = threading.Barrier(8)

    def repeat() -> None:
        start.wait()
        answers.append(post(client, headers={"Idempotency-Key": "burst"}))

    threads = [threading.Thread(target=repeat) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 8 and {status for status, _ in answers} == {202}
    assert len({str(body["task_id"]) for _, body in answers}) == 1
    assert store(redis_url).pending(QUEUE) == 1


def test_keys_of_different_api_keys_do_not_collide(redis_url: str, tmp_path: Path) -> None:
    settings = Settings(redis_url=redis_url, api_keys=f"{KEY_A},{KEY_B}")
    with TestClient(create_app(settings)) as client:
        a = post(client, headers={"X-API-Key": KEY_A, "Idempotency-Key": "k"})
        b = post(client, OTHER, headers={"X-API-Key": KEY_B, "Idempotency-Key": "k"})
        assert a[0] == b[0] == 202 and a[1]["task_id"] != b[1]["task_id"]
        again = post(client, headers={"X-API-Key": KEY_A, "Idempotency-Key": "k"})
        assert again[1] == a[1]


def test_a_deleted_task_frees_its_key(client: TestClient, redis_url: str) -> None:
    _, first = post(client, headers={"Idempotency-Key": "k"})
    store(redis_url).finish(str(first["task_id"]), error_code=None)
    store(redis_url).client.set(  # what Celery's backend would hold for a finished task
        f"celery-task-meta-{first['task_id']}", '{"status": "SUCCESS", "result": {}}'
    )
    assert client.delete(f"/api/v1/ocr/results/{first['task_id']}").status_code == 204
    _, second = post(client, OTHER, headers={"Idempotency-Key": "k"})
    assert second["task_id"] != first["task_id"]


def stalled(redis_url: str, key: str, *, age_s: float) -> str:
    """A task as an API process leaves it when it dies after storing it and claiming its
    Idempotency-Key, before queueing it, ``age_s`` ago."""
    tasks, task_id = store(redis_url), f"stalled-{key}"
    name = tasks.idempotency.name(None, key)
    tasks.create(task_id, PAGE, filename="page.png", doc_type="png", idempotency=name)
    tasks.idempotency.claim(name, task_id=task_id, sha256=hashlib.sha256(PAGE).hexdigest())
    tasks.client.hset(f"ocr:task:{task_id}", "submitted_at", f"{time.time() - age_s:.3f}")
    return task_id


def queued(redis_url: str) -> int:
    return int(store(redis_url).client.llen(QUEUE))


def test_a_repeat_queues_the_task_a_dead_api_process_left_unqueued(
    client: TestClient, redis_url: str
) -> None:
    task_id = stalled(redis_url, "order-7", age_s=STALLED_AFTER_S + 5)
    assert queued(redis_url) == 0
    status, body = post(client, headers={"Idempotency-Key": "order-7"})
    assert (status, body["task_id"]) == (202, task_id)
    assert queued(redis_url) == 1
    post(client, headers={"Idempotency-Key": "order-7"})
    assert queued(redis_url) == 1  # queued once
    assert store(redis_url).stats([QUEUE]).submitted == 1


def test_polling_queues_the_task_a_dead_api_process_left_unqueued(
    client: TestClient, redis_url: str
) -> None:
    task_id = stalled(redis_url, "order-8", age_s=STALLED_AFTER_S + 5)
    for _ in range(2):
        response = client.get(f"/api/v1/ocr/results/{task_id}")
        assert response.status_code == 200 and response.json()["status"] == "PENDING"
    assert queued(redis_url) == 1


def test_a_task_being_queued_is_not_queued_twice(client: TestClient, redis_url: str) -> None:
    task_id = stalled(redis_url, "order-9", age_s=1)  # its request may still be running
    assert post(client, headers={"Idempotency-Key": "order-9"})[1]["task_id"] == task_id
    assert client.get(f"/api/v1/ocr/results/{task_id}").json()["status"] == "PENDING"
    assert queued(redis_url) == 0


def test_a_key_whose_task_is_gone_starts_a_new_task(client: TestClient, redis_url: str) -> None:
    tasks = store(redis_url)
    name = tasks.idempotency.name(None, "order-10")
    tasks.idempotency.claim(name, task_id="expired-task", sha256="aa")
    status, body = post(client, headers={"Idempotency-Key": "order-10"})
    assert status == 202 and body["task_id"] != "expired-task"
    assert tasks.idempotency.find(name) == IdempotencyClaim(
        name, str(body["task_id"]), hashlib.sha256(PAGE).hexdigest(), new=False
    )
    assert queued(redis_url) == 1


def test_a_task_queued_while_redis_fails_to_record_it_is_still_accepted(
    client: TestClient, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once its message is on the queue, a 503 would make the client submit it again."""

    def lost(self: TaskStore, task_id: str) -> None:
        raise redis.ConnectionError("connection lost")

    monkeypatch.setattr(TaskStore, "queued", lost)
    status, body = post(client, headers={"Idempotency-Key": "order-11"})
    assert (status, body["status"]) == (202, "pending")
    assert queued(redis_url) == 1
