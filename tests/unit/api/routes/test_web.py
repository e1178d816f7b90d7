"""The web page at / and its static assets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from ocr_inference.api import create_app
from ocr_inference.api.routes.web import STATIC_DIR
from ocr_inference.config import Settings


@pytest.fixture
def client(redis_url: str) -> Iterator[TestClient]:
    """The app with API keys configured: the page must stay public all the same."""
    settings = Settings(redis_url=redis_url, api_keys=[SecretStr("web-key-81f2")])
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_page_is_public_and_locked_down(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script src="/static/app.js"' in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    # while the API itself needs a key
    assert client.get("/api/v1/ocr/results/x").json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/static/app.js", "text/javascript"),
        ("/static/api.js", "text/javascript"),
        ("/static/viewer.js", "text/javascript"),
        ("/static/app.css", "text/css"),
    ],
)
def test_assets_are_served_without_a_key(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


def test_a_missing_asset_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/static/nothing.js")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_page_is_not_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not any(path.startswith("/static") for path in paths)


def test_recognized_text_is_never_written_as_html() -> None:
    """The viewer sets untrusted text with textContent only."""
    scripts = sorted(STATIC_DIR.glob("*.js"))
    assert [path.name for path in scripts] == ["api.js", "app.js", "viewer.js"]
    for path in scripts:
        script = path.read_text(encoding="utf-8")
        assert len(script.splitlines()) <= 400, path.name
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in script, (path.name, sink)


@pytest.mark.parametrize("path", ["/static/index.html", "/static/app.js"])
def test_static_files_carry_the_page_policy_too(client: TestClient, path: str) -> None:
    """The page itself is also a static file: served from /static without the policy, it
    would run with none."""
    response = client.get(path)
    assert response.status_code == 200
    assert (
        response.headers["content-security-policy"]
        == client.get("/").headers["content-security-policy"]
    )
    assert response.headers["x-content-type-options"] == "nosniff"
