from __future__ import annotations

import os

import pytest

from ocr_inference.worker import runtime


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
