"""Starts the whole service once per session and waits until the worker is ready."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from integration.service import (
    MAX_ATTEMPTS,
    MAX_PAGES,
    MAX_UPLOAD_MB,
    WEBHOOK_SECRET,
    Service,
    start_process,
    wait_ready,
)
from ocr_inference.processes import stop_all
from ocr_inference.redis_server import EmbeddedRedis
from support import free_port
from webhook_receiver import Receiver, receiving


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    log_dir = tmp_path_factory.mktemp("service-logs")
    with EmbeddedRedis(tmp_path_factory.mktemp("service-redis"), port=free_port()) as redis:
        port = free_port()
        env = {
            **os.environ,
            "REDIS_URL": redis.url,
            "OCR_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB),
            "OCR_MAX_PAGES": str(MAX_PAGES),
            "OCR_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "OCR_DEVICE": "cpu",
            "OCR_PORT": str(port),
            "OCR_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "OCR_WEBHOOK_ALLOW_PRIVATE": "true",  # the test receiver listens on 127.0.0.1
        }
        worker = start_process(["worker", "--concurrency", "1"], env, log_dir / "worker.log")
        api = start_process(["serve"], env, log_dir / "api.log")
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(base_url, [worker, api], log_dir)
            yield Service(base_url, redis.url, worker, log_dir)
        finally:
            stop_all([api, worker])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1, which the service may call (private addresses are
    allowed)."""
    with receiving() as recorder:
        yield recorder
