"""Starting processes with their logs, waiting for readiness and supervising, with stand-in
processes and a stand-in ``/health``; the real service is the integration tests' work."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ocr_inference.local.launcher import (
    free_port,
    local_service,
    log_tails,
    start_process,
    wait_ready,
)
from ocr_inference.local.redis_server import EmbeddedRedis

SLEEPS = "import time; time.sleep(60)"


def python(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code])


class Health:
    """A stand-in API whose ``/health`` answers ``body``."""

    def __init__(self) -> None:
        self.body: dict[str, Any] = {"workers": 0, "models_loaded": False}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> Health:
        health = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                payload = json.dumps(health.body).encode()
                self.send_response(200 if self.path == "/health" else 404)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def health() -> Iterator[Health]:
    with Health() as stand_in:
        yield stand_in


def test_a_free_port_can_be_bound() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))


def test_a_process_writes_its_output_to_its_log(tmp_path: Path) -> None:
    document = tmp_path / "in.json"
    document.write_text('{"a": [1]}')
    log = tmp_path / "tool.log"
    log.write_text("left over from a previous run\n")
    process = start_process([str(document)], os.environ, log, module="json.tool")
    assert process.wait(30) == 0
    assert json.loads(log.read_text()) == {"a": [1]}


def test_log_tails_name_each_log_and_keep_its_end(tmp_path: Path) -> None:
    (tmp_path / "worker.log").write_text("x" * 100 + "the end")
    (tmp_path / "api.log").write_text("started")
    (tmp_path / "notes.txt").write_text("not a log")
    assert log_tails(tmp_path, chars=7) == "== api.log\nstarted\n== worker.log\nthe end"


def test_an_early_exit_fails_the_wait_with_the_status_and_the_logs(tmp_path: Path) -> None:
    process = start_process([], os.environ, tmp_path / "worker.log", module="no_such_module")
    nothing_there = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RuntimeError) as failure:
        wait_ready(nothing_there, [process], tmp_path, timeout_s=60)
    message = str(failure.value)
    assert f"(pid {process.pid}) exited with 1 before the service was ready" in message
    assert "== worker.log" in message and "No module named no_such_module" in message


def test_the_wait_ends_once_a_worker_has_loaded_its_models(health: Health) -> None:
    sleeper = python(SLEEPS)
    try:
        health.body = {"workers": 1, "models_loaded": True}
        wait_ready(health.base_url, [sleeper], None, timeout_s=30)
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.parametrize(
    ("body", "until"),
    [
        ({"workers": 0, "models_loaded": False}, None),
        ({"workers": 1, "models_loaded": False}, None),
        ({"status": "unavailable"}, None),
        ({"workers": 2, "models_loaded": True}, lambda: False),
    ],
    ids=["no worker", "models not loaded", "not a health report", "condition unmet"],
)
def test_the_wait_times_out_until_health_and_the_extra_condition_agree(
    health: Health, tmp_path: Path, body: dict[str, Any], until: Any
) -> None:
    health.body = body
    (tmp_path / "api.log").write_text("still loading")
    with pytest.raises(RuntimeError, match=r"not ready in 0.5 s(.|\n)*still loading"):
        wait_ready(health.base_url, [], tmp_path, timeout_s=0.5, until=until)


def test_a_local_service_whose_processes_fail_reports_both_logs(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", port=free_port())
    bad_config = {"OCR_PIPELINE__USE_FORMULA_RECOGNITION": "true"}
    with (
        pytest.raises(RuntimeError, match="no formula recognition model") as failure,
        local_service(redis, port=free_port(), env=bad_config, log_dir=tmp_path) as running,
    ):
        assert running.base_url.startswith("http://127.0.0.1:")
        running.wait_ready(timeout_s=120)
    assert "== api.log" in str(failure.value) and "== worker.log" in str(failure.value)
    assert redis.process is not None and redis.process.poll() is not None
