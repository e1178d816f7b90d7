"""What an upgrade must not change, pinned before the package was reorganised: the
OpenAPI document, the command line's commands and options with their help, the
environment variables, the Redis keys the service writes, and the Celery task and queue
names (queued messages must survive an upgrade).

Each pin is a JSON file in ``pins/``. A deliberate change of the contract rewrites it with
``OCR_UPDATE_PINS=1`` and says so in its commit.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis
import typer
from fastapi.testclient import TestClient

from ocr_dev.factories import encode, text_image
from ocr_inference.api import create_app
from ocr_inference.cli import app as cli_app
from ocr_inference.config import Settings
from ocr_inference.tasks import queue as celery_app
from ocr_inference.tasks.events import StreamLeases
from ocr_inference.tasks.store import TaskStore

PINS = Path(__file__).parent / "pins"


def pinned(name: str, value: Any) -> Any:
    """The pinned value of ``name``; written from ``value`` when OCR_UPDATE_PINS is set."""
    path = PINS / f"{name}.json"
    if os.environ.get("OCR_UPDATE_PINS"):
        path.write_text(json.dumps(value, indent=1, sort_keys=True) + "\n")
    return json.loads(path.read_text())


def test_openapi_document_is_unchanged() -> None:
    document = json.loads(json.dumps(create_app(Settings()).openapi()))
    assert document == pinned("openapi", document)


def _command(command: Any) -> dict[str, Any]:
    described: dict[str, Any] = {"help": command.help, "params": []}
    for param in command.params:
        described["params"].append(
            {
                "names": param.opts + param.secondary_opts,
                "type": getattr(getattr(param, "type", None), "name", None),
                "required": param.required,
                "multiple": param.multiple,
                "default": repr(param.default),
                "help": getattr(param, "help", None),
            }
        )
    if hasattr(command, "commands"):
        described["commands"] = {
            name: _command(sub) for name, sub in sorted(command.commands.items())
        }
    return described


def test_command_line_is_unchanged() -> None:
    described = _command(typer.main.get_command(cli_app))
    assert described == pinned("cli", described)


def test_environment_variables_are_unchanged() -> None:
    names: dict[str, list[str]] = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        names[field] = [str(c) for c in choices] if choices else [f"OCR_{field.upper()}"]
    assert names == pinned("environment", names)


def _keys_written(url: str) -> dict[str, str]:
    """Every key a submission, its processing and its end leave in Redis, with its type,
    ids replaced by placeholders."""
    settings = Settings(redis_url=url, api_keys=["k"], webhook_allow_private=True)
    with TestClient(create_app(settings)) as client:
        headers = {"X-API-Key": "k", "Idempotency-Key": "once"}
        files = {"file": ("a.png", encode(text_image(["pin"]), "PNG"), "image/png")}
        data = {"callback_url": "http://127.0.0.1:9/hook", "pages": "1"}
        answer = client.post("/api/v1/ocr/process", files=files, data=data, headers=headers)
        assert answer.status_code == 202, answer.text
        task_id = answer.json()["task_id"]
        client.get(f"/api/v1/ocr/results/{task_id}", headers=headers)
        client.get("/metrics", headers=headers)
    connection = redis.Redis.from_url(url)
    store = TaskStore(connection, result_ttl_s=60, blob_ttl_s=120)
    found: dict[str, str] = {}

    def look() -> None:
        for key in connection.scan_iter():
            if key.startswith(b"_kombu.binding"):  # declared once per process, not per test
                continue
            name = key.decode().replace(task_id, "{id}")
            name = re.sub(r"^ocr:idem:[^:]+:[0-9a-f]{64}$", "ocr:idem:{owner}:{key}", name)
            name = re.sub(r"^ocr:streams:[^:]+$", "ocr:streams:{owner}", name)
            found[name] = connection.type(key).decode()

    look()
    store.count_attempt(task_id)
    store.take(task_id)
    store.start_document(task_id, 2, stale_after_s=60)
    store.keep_page(task_id, 1, b"{}", max_bytes=1024)
    store.page_done(task_id, stale_after_s=60)
    asyncio.run(_open_stream(url))
    store.mark_failed(task_id)
    store.claim_webhook(task_id)
    store.heartbeat("host:1", models_loaded=True, ttl_s=60)
    look()
    store.cancel(task_id)
    look()
    store.finish(task_id, error_code=None, seconds=1.0)
    look()
    connection.close()
    return found


async def _open_stream(url: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        await StreamLeases(client, cap=1, lease_s=60).open("owner", "lease")
    finally:
        await client.aclose()


def test_redis_keys_are_unchanged(redis_url: str) -> None:
    keys = _keys_written(redis_url)
    assert keys == pinned("redis_keys", keys)


def test_celery_task_and_queue_names_are_unchanged() -> None:
    app = celery_app.create_celery_app(Settings())
    from ocr_inference import worker

    names = {
        "queues": sorted(q.name for q in app.conf.task_queues),
        "default_queue": app.conf.task_default_queue,
        "tasks": sorted(n for n in worker.app.tasks if n.startswith("ocr_inference.")),
    }
    assert names == pinned("celery", names)
