"""API keys, through the routes, against a real Redis-compatible server and no worker."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from ocr_dev.factories import encode, text_image
from ocr_inference.api import create_app
from ocr_inference.config import Settings
from ocr_inference.logs import JsonFormatter

KEY_A = "key-a-7f3c9e1d2b"
KEY_B = "key-b-from-the-file-4a8e"
PAGE = encode(text_image(["x"]), "PNG")


def keyed_settings(redis_url: str, tmp_path: Path, **values: object) -> Settings:
    """Settings with ``KEY_A`` in OCR_API_KEYS and ``KEY_B`` in OCR_API_KEYS_FILE."""
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"# the second team\n{KEY_B}\n", encoding="utf-8")
    return Settings(redis_url=redis_url, api_keys=KEY_A, api_keys_file=keys_file, **values)


@pytest.fixture
def client(redis_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(keyed_settings(redis_url, tmp_path))) as test_client:
        yield test_client


def headers(key: str | None) -> dict[str, str]:
    return {"X-API-Key": key} if key is not None else {}


def submit(client: TestClient, key: str | None) -> httpx.Response:
    return client.post(
        "/api/v1/ocr/process", files={"file": ("p.png", PAGE, "image/png")}, headers=headers(key)
    )


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'ApiKey header="X-API-Key"'


def test_api_routes_refuse_a_missing_or_wrong_key(client: TestClient) -> None:
    task_id = submit(client, KEY_A).json()["task_id"]
    for key in (None, "", "wrong", KEY_A + "x", KEY_A.upper()):
        assert_unauthorized(submit(client, key))
        assert_unauthorized(client.get(f"/api/v1/ocr/results/{task_id}", headers=headers(key)))
        assert_unauthorized(client.delete(f"/api/v1/ocr/results/{task_id}", headers=headers(key)))
    status = client.get(f"/api/v1/ocr/results/{task_id}", headers=headers(KEY_A)).json()
    assert status["status"] == "PENDING" and status["pending_tasks"] == 1  # nothing was deleted


def test_a_key_from_either_source_submits_and_reads_its_task(client: TestClient) -> None:
    for key in (KEY_A, KEY_B):
        accepted = submit(client, key)
        assert accepted.status_code == 202
        result = client.get(
            f"/api/v1/ocr/results/{accepted.json()['task_id']}", headers=headers(key)
        )
        assert result.status_code == 200 and result.json()["status"] == "PENDING"


def test_the_owner_is_stored_as_a_hash_of_the_key(client: TestClient, redis_url: str) -> None:
    task_id = submit(client, KEY_A).json()["task_id"]
    store = redis.Redis.from_url(redis_url)
    owner = store.hget(f"ocr:task:{task_id}", "owner")
    assert owner == hashlib.sha256(KEY_A.encode()).hexdigest().encode()
    for key in store.scan_iter():
        assert KEY_A.encode() not in key
        if store.type(key) == b"hash":
            assert all(KEY_A.encode() not in v for v in store.hgetall(key).values())


def test_another_keys_task_answers_exactly_like_an_unknown_id(client: TestClient) -> None:
    task_id = submit(client, KEY_A).json()["task_id"]
    unknown = str(uuid.uuid4())
    for method in ("GET", "DELETE"):
        theirs = client.request(method, f"/api/v1/ocr/results/{task_id}", headers=headers(KEY_B))
        missing = client.request(method, f"/api/v1/ocr/results/{unknown}", headers=headers(KEY_B))
        assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())
        assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    mine = client.get(f"/api/v1/ocr/results/{task_id}", headers=headers(KEY_A)).json()
    assert mine["status"] == "PENDING"  # the other key's DELETE did not cancel it
    assert (
        client.delete(f"/api/v1/ocr/results/{task_id}", headers=headers(KEY_A)).status_code == 204
    )


def test_public_paths_need_no_key(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/").status_code != 401


def test_openapi_declares_the_key_so_docs_can_send_it(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["ApiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-API-Key")
    for path, method in [
        ("/api/v1/ocr/process", "post"),
        ("/api/v1/ocr/results/{task_id}", "get"),
        ("/api/v1/ocr/results/{task_id}", "delete"),
    ]:
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"ApiKey": []}]
        assert "401" in operation["responses"]
    assert "security" not in schema["paths"]["/health"]["get"]


def test_without_keys_tasks_have_no_owner_and_any_caller_sees_them(redis_url: str) -> None:
    with TestClient(create_app(Settings(redis_url=redis_url))) as open_client:
        task_id = submit(open_client, None).json()["task_id"]
        assert open_client.get(f"/api/v1/ocr/results/{task_id}").status_code == 200
        assert submit(open_client, "any-key-at-all").status_code == 202
    assert redis.Redis.from_url(redis_url).hget(f"ocr:task:{task_id}", "owner") is None


def test_keys_never_reach_the_logs(
    client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    task_id = submit(client, KEY_A).json()["task_id"]
    client.get(f"/api/v1/ocr/results/{task_id}", headers=headers(KEY_A))
    client.get(f"/api/v1/ocr/results/{task_id}", headers=headers(KEY_B))
    submit(client, KEY_A + "-wrong")
    down = keyed_settings("redis://127.0.0.1:1/0", tmp_path)
    with TestClient(create_app(down)) as unreachable:
        assert submit(unreachable, KEY_A).status_code == 503
    assert any("redis unreachable" in r.getMessage() for r in caplog.records)
    formatter = JsonFormatter()
    logged = "\n".join(formatter.format(r) + repr(vars(r)) for r in caplog.records)
    assert "HTTP Request" in logged  # the requests themselves were logged
    for key in (KEY_A, KEY_B):
        assert key not in logged and key not in caplog.text
