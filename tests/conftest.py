"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, settings

from ocr_dev.support import EVAL_DIR
from ocr_inference.local.launcher import free_port
from ocr_inference.local.redis_server import EmbeddedRedis

# `make test` runs a bounded number of examples; `make reliability` selects the fuzz profile
# (HYPOTHESIS_PROFILE=fuzz) for a longer search.
settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile(
    "fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """A real Redis-compatible server (valkey-server) on a free port, AOF on."""
    with EmbeddedRedis(tmp_path_factory.mktemp("redis"), port=free_port()) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> Iterator[str]:
    """The server's URL, emptied before each test that uses it."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    yield redis_server.url


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    if not EVAL_DIR.is_dir():
        pytest.skip(f"evaluation documents not found at {EVAL_DIR} (../shared/eval)")
    return EVAL_DIR
