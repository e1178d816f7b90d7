"""Hostile and malformed requests to the API (in process, real Redis-compatible server, no
worker): each gets its status and a ``code`` in the problem body, never a 500.

Beside test_routes.py, which has the plain refusals (empty file, a missing field in a
urlencoded form, content that is no supported type, an upload over the limit).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from ocr_dev import hostile
from ocr_dev.factories import encode, text_image
from ocr_inference.api import create_app
from ocr_inference.config import Settings
from ocr_inference.tasks.store import PREFIX

URL = "/api/v1/ocr/process"
PNG = encode(text_image(["x"], size=(60, 30), font_size=16), "PNG")


@pytest.fixture
def client(redis_url: str) -> Iterator[TestClient]:
    settings = Settings(redis_url=redis_url, max_upload_mb=1)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def record(redis_url: str, task_id: str) -> dict[str, str]:
    """The submission record the API stored for ``task_id``."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return client.hgetall(f"{PREFIX}:task:{task_id}")  # type: ignore[return-value]
    finally:
        client.close()


def refused(response: Any, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"json": {"file": "JVBERi0xLjcK"}},
        {"content": PNG, "headers": {"content-type": "image/png"}},
        {"content": PNG, "headers": {"content-type": "application/octet-stream"}},
        {"content": PNG},
        {"content": b"file=x", "headers": {"content-type": "text/plain"}},
    ],
    ids=["json", "raw-png", "octet-stream", "no-content-type", "text"],
)
def test_a_body_that_is_not_multipart_is_422(
    client: TestClient, request_kwargs: dict[str, Any]
) -> None:
    refused(client.post(URL, **request_kwargs), 422, "invalid_request")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", PNG),
        ("multipart/form-data; boundary=xyz", b"garbage\r\n\r\n"),
        (
            "multipart/form-data; boundary=xyz",
            b"--xyz\r\nContent-Type: image/png\r\n\r\nx\r\n--xyz--",
        ),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="'
            + b"a" * 100_000
            + b'"\r\n\r\nx\r\n--xyz--\r\n',
        ),
    ],
    ids=["no-boundary", "garbage", "part-without-name", "huge-part-header"],
)
def test_malformed_multipart_is_400_with_a_code(
    client: TestClient, content_type: str, body: bytes
) -> None:
    refused(
        client.post(URL, content=body, headers={"content-type": content_type}),
        400,
        "invalid_request",
    )


def test_too_many_form_fields_is_400_with_a_code(client: TestClient) -> None:
    fields = {f"field{i}": "x" for i in range(1001)}
    refused(client.post(URL, data=fields, files={"file": ("a.png", PNG)}), 400, "invalid_request")


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"files": {"upload": ("a.png", PNG, "image/png")}},
        {"files": {"file": (None, b"%PDF-1.7 not a file part")}},
        {"files": {"file": ("", PNG, "image/png")}},
    ],
    ids=["another-field-name", "file-as-a-text-field", "file-without-a-name"],
)
def test_a_multipart_body_without_a_file_part_named_file_is_422(
    client: TestClient, request_kwargs: dict[str, Any]
) -> None:
    refused(client.post(URL, **request_kwargs), 422, "invalid_request")


def test_zero_bytes_declared_as_a_pdf_are_still_an_empty_file(client: TestClient) -> None:
    response = client.post(URL, files={"file": ("a.pdf", hostile.empty_file(), "application/pdf")})
    refused(response, 400, "empty_file")


@pytest.mark.parametrize(
    ("name", "declared"),
    [("invoice.exe", "application/x-msdownload"), ("scan.pdf", "application/pdf"), ("a", "")],
    ids=["exe", "declared-pdf", "no-extension"],
)
def test_a_valid_image_is_taken_whatever_its_name_or_declared_type(
    client: TestClient, redis_url: str, name: str, declared: str
) -> None:
    response = client.post(URL, files={"file": (name, PNG, declared)})
    assert response.status_code == 202, response.text
    assert record(redis_url, response.json()["task_id"])["type"] == "png"


@pytest.mark.parametrize(
    ("name", "declared"),
    [("page.png", "image/png"), ("doc.pdf", "application/pdf")],
)
def test_content_spoofing_a_type_is_415(client: TestClient, name: str, declared: str) -> None:
    data = hostile.zip_with_pdf_after_first_kib()
    refused(client.post(URL, files={"file": (name, data, declared)}), 415, "unsupported_type")


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/var/lib/x.png", "x.png"),
        ("../", "upload"),
        ("..", "upload"),
        ("a\x01b\x1fc\x7f.png", "abc.png"),
        ("n" * 1000 + ".png", "n" * 255),
    ],
)
def test_file_names_are_reduced_to_a_base_name_and_nothing_is_written(
    client: TestClient,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    stored: str,
) -> None:
    cwd = tmp_path / "srv" / "app"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    # by hand: a client library would escape the control characters
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
        b"Content-Type: image/png\r\n\r\n%s\r\n--xyz--\r\n" % (name.encode(), PNG)
    )
    response = client.post(
        URL, content=body, headers={"content-type": "multipart/form-data; boundary=xyz"}
    )
    assert response.status_code == 202, response.text
    assert record(redis_url, response.json()["task_id"])["filename"] == stored
    assert sorted(os.walk(tmp_path)) == [
        (str(tmp_path), ["srv"], []),
        (str(tmp_path / "srv"), ["app"], []),
        (str(cwd), [], []),
    ]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/ocr/results/x", "DELETE, GET"),
        ("PUT", "/api/v1/ocr/results/x", "DELETE, GET"),
        ("GET", URL, "POST"),
    ],
)
def test_an_unexpected_method_is_405_naming_every_allowed_one(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    refused(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allow
