from __future__ import annotations

import pytest

from ocr_inference.errors import ConfigurationError
from ocr_inference.pipeline import models
from ocr_inference.pipeline.engine import (
    CUDA,
    EngineConfig,
    available_providers,
    create_session,
    resolve_device,
)


def test_cpu_is_always_available() -> None:
    assert resolve_device(EngineConfig(device="cpu")) == "cpu"


def test_auto_picks_cuda_only_when_present() -> None:
    expected = "cuda" if CUDA in available_providers() else "cpu"
    assert resolve_device(EngineConfig(device="auto")) == expected


@pytest.mark.skipif(CUDA in available_providers(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda_fails_loudly() -> None:
    with pytest.raises(ConfigurationError, match="CUDAExecutionProvider"):
        resolve_device(EngineConfig(device="cuda"))


@pytest.mark.parametrize("arena", [True, False])
def test_sessions_follow_the_memory_arena_setting(arena: bool) -> None:
    model = models.resolve(models.TEXT_RECOGNITION)
    session = create_session(model.path, EngineConfig(device="cpu", cpu_mem_arena=arena))
    assert session.get_session_options().enable_cpu_mem_arena is arena
