from __future__ import annotations

import os
import time

import pytest

from ocr_inference.config import Settings
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.engine.fake import FakeEngine
from ocr_inference.worker import runtime


def fake_pipeline(settings: Settings) -> Pipeline:
    plain = {"use_layout_detection": False, "use_table_recognition": False}
    return Pipeline(PipelineConfig.model_validate(plain), loader=FakeEngine())


def test_a_forked_process_makes_its_own_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://redis.invalid:6379/0")
    monkeypatch.setattr(runtime, "_runtime", None)
    parent = runtime.get_runtime()
    assert runtime.get_runtime() is parent
    assert runtime.current_runtime() is parent
    assert not parent.models_loaded  # making one loads no model

    # as a pool process sees what it inherited from the worker's main process
    monkeypatch.setattr(parent, "pid", parent.pid + 1)
    assert runtime.current_runtime() is None
    child = runtime.get_runtime()
    assert child is not parent
    assert child.pid == os.getpid() and child.name.endswith(f":{os.getpid()}")
    assert runtime.current_runtime() is child


def test_the_heartbeat_says_models_are_loaded_as_soon_as_they_are(redis_url: str) -> None:
    """``up`` waits for a worker's heartbeat to say its models are loaded before it counts
    the worker as ready; that must not wait for the next heartbeat interval."""
    settings = Settings(redis_url=redis_url)
    worker = runtime.WorkerRuntime(settings, pipeline_factory=fake_pipeline)
    worker.start_heartbeat()
    try:
        deadline = time.monotonic() + runtime.HEARTBEAT_INTERVAL_S / 2
        while not worker.store.workers().alive:  # the first beat: nothing loaded yet
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not worker.store.workers().models_loaded
        worker.pipeline  # noqa: B018 - loads the models
        while not worker.store.workers().models_loaded:
            assert time.monotonic() < deadline, "the heartbeat waited for its interval"
            time.sleep(0.01)
    finally:
        worker.stop()
