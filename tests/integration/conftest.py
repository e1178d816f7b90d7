"""Starts the whole service once per session and waits until the worker is ready."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ocr_dev.service import MAX_ATTEMPTS, MAX_PAGES, MAX_UPLOAD_MB, WEBHOOK_SECRET, Service
from ocr_dev.webhook_receiver import Receiver, receiving
from ocr_inference.local.launcher import free_port, local_service
from ocr_inference.local.redis_server import EmbeddedRedis


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    log_dir = tmp_path_factory.mktemp("service-logs")
    redis = EmbeddedRedis(tmp_path_factory.mktemp("service-redis"), port=free_port())
    env = {
        "OCR_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB),
        "OCR_MAX_PAGES": str(MAX_PAGES),
        "OCR_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "OCR_DEVICE": "cpu",
        "OCR_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "OCR_WEBHOOK_ALLOW_PRIVATE": "true",  # the test receiver listens on 127.0.0.1
    }
    with local_service(redis, port=free_port(), env=env, log_dir=log_dir, concurrency=1) as running:
        running.wait_ready()
        yield Service(running.base_url, redis.url, running.worker, log_dir)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1, which the service may call (private addresses are
    allowed)."""
    with receiving() as recorder:
        yield recorder
