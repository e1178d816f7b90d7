"""The request counter's labels, on a bare app whose store records what it is told."""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ocr_inference.api.request_counter import RequestCountMiddleware


class RecordingStore:
    def __init__(self) -> None:
        self.counted: list[tuple[str, str, int]] = []

    def count_request(self, method: str, route: str, status: int) -> None:
        self.counted.append((method, route, status))


def make_app() -> tuple[FastAPI, RecordingStore]:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    store = RecordingStore()
    app.state.services = SimpleNamespace(store=store)
    app.add_middleware(RequestCountMiddleware)
    return app, store


def test_requests_are_counted_by_route_template() -> None:
    app, store = make_app()
    with TestClient(app) as client:
        client.get("/items/42")
        client.get("/nowhere/7")
    assert store.counted == [("GET", "/items/{item_id}", 200), ("GET", "unmatched", 404)]


def test_methods_nobody_uses_share_one_label() -> None:
    """Any token is a valid HTTP method: counted as sent, each new one would add a field to
    the shared Redis hash, for ever."""
    app, store = make_app()
    with TestClient(app) as client:
        for method in ("BREW", "X-RANDOM-1", "X-RANDOM-2"):
            client.request(method, "/items/42")
    assert {method for method, _, _ in store.counted} == {"OTHER"}
