"""What a worker's heartbeat publishes, and its warning at start when live workers run
with other settings; against a real Redis-compatible server."""

from __future__ import annotations

import logging
import time

import pytest

from ocr_inference.config import Settings
from ocr_inference.tasks.heartbeats import WorkerIdentity
from ocr_inference.worker.identity import warn_if_settings_differ, worker_identity
from ocr_inference.worker.runtime import WorkerRuntime


def test_the_identity_names_pipeline_profile_engine_and_hash() -> None:
    settings = Settings(pipeline_config="text-fast", engine="onnxruntime")
    assert worker_identity(settings, None) == WorkerIdentity(
        settings_hash=settings.settings_hash,
        pipeline=settings.pipeline.pipeline_name,
        profile="text-fast",
        engine="onnxruntime",
    )


def _started(settings: Settings) -> WorkerRuntime:
    runtime = WorkerRuntime(settings)
    runtime.start_heartbeat()
    deadline = time.monotonic() + 5
    while runtime.name not in {b.name for b in runtime.store.beats()}:
        assert time.monotonic() < deadline, "no heartbeat"
        time.sleep(0.02)
    return runtime


def test_a_worker_publishes_its_hash_and_warns_when_a_live_one_differs(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ocr_inference.worker")
    first = _started(Settings(redis_url=redis_url, task_time_limit_s=600))
    try:
        (beat,) = first.store.beats()
        assert beat.identity.settings_hash == first.settings.settings_hash
        assert not caplog.records  # alone: nothing to compare with

        # a worker elsewhere whose settings differ only in where models run
        alike = Settings(redis_url=redis_url, task_time_limit_s=600, device="cpu")
        warn_if_settings_differ(first.store, "elsewhere:1", alike.settings_hash)
        assert not caplog.records

        other = WorkerRuntime(Settings(redis_url=redis_url))
        other.name = "elsewhere:2"
        other.start_heartbeat()
        other.stop()
        (record,) = caplog.records
        assert "other settings" in record.getMessage()
        assert record.__dict__["differing"] == {first.name: first.settings.settings_hash}
    finally:
        first.stop()
