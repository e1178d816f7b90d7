"""Which engine runs which model, and the settings an engine refuses."""

from __future__ import annotations

import logging
import os

import pytest

from ocr_inference.errors import ConfigurationError
from ocr_inference.pipeline import models
from ocr_inference.pipeline.engine import (
    CUDA,
    EngineConfig,
    Engines,
    available_providers,
    create_session,
    resolve_device,
    usable_cores,
)


def load(engines: Engines, spec: models.ModelSpec) -> str:
    found = models.resolve(spec)
    return engines.load(spec.stage, found.name, found.path, found.cpu_engine).engine


def test_cpu_is_always_available() -> None:
    assert resolve_device(EngineConfig(device="cpu")) == "cpu"


def test_auto_picks_cuda_only_when_present() -> None:
    expected = "cuda" if CUDA in available_providers() else "cpu"
    assert resolve_device(EngineConfig(device="auto")) == expected


@pytest.mark.skipif(CUDA in available_providers(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda_fails_loudly() -> None:
    with pytest.raises(ConfigurationError, match="CUDAExecutionProvider"):
        resolve_device(EngineConfig(device="cuda"))


def test_openvino_cannot_serve_cuda() -> None:
    with pytest.raises(ConfigurationError, match=r"OCR_ENGINE=openvino.*OCR_DEVICE=cuda"):
        Engines(EngineConfig(device="cuda", engine="openvino"))


def test_a_precision_onnxruntime_cannot_serve_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="OCR_ENGINE_PRECISION=bf16"):
        Engines(EngineConfig(device="cpu", engine="onnxruntime", precision="bf16"))
    onnxruntime = Engines(EngineConfig(device="cpu", engine="onnxruntime", precision="auto"))
    assert load(onnxruntime, models.TEXT_DETECTION) == "onnxruntime"  # auto: f32 there


@pytest.mark.skipif(CUDA in available_providers(), reason="auto means CUDA on this machine")
def test_auto_follows_the_manifest_on_a_cpu() -> None:
    engines = Engines(EngineConfig(device="auto"))
    assert load(engines, models.TEXT_DETECTION) == "openvino"
    assert load(engines, models.TEXT_RECOGNITION) == "openvino"
    assert load(engines, models.PAGE_ORIENTATION) == "onnxruntime"  # measured slower on OpenVINO
    assert engines.choose(None) == "openvino"  # a model of the user's own


def test_an_explicit_engine_runs_every_model(caplog: pytest.LogCaptureFixture) -> None:
    onnxruntime = Engines(EngineConfig(device="cpu", engine="onnxruntime"))
    assert load(onnxruntime, models.TEXT_DETECTION) == "onnxruntime"
    openvino = Engines(EngineConfig(device="cpu", engine="openvino"))
    assert load(openvino, models.PAGE_ORIENTATION) == "openvino"


def test_a_model_openvino_cannot_compile_falls_back_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engines = Engines(EngineConfig(device="cpu", engine="openvino"))
    with caplog.at_level(logging.WARNING):
        assert load(engines, models.TABLE_STRUCTURE) == "onnxruntime"
    assert any(
        "slanet-plus runs on ONNX Runtime instead" in r.getMessage()
        and "OpenVINO cannot compile" in r.getMessage()
        for r in caplog.records
    )


def test_threads_share_the_usable_cores_among_processes() -> None:
    cores = len(os.sched_getaffinity(0))
    assert usable_cores() == cores
    assert EngineConfig().intra_op_threads == cores
    assert EngineConfig(processes=cores).intra_op_threads == 1
    assert EngineConfig(processes=cores * 4).intra_op_threads == 1
    assert EngineConfig(threads=3, processes=cores).intra_op_threads == 3


@pytest.mark.parametrize("arena", [True, False])
def test_sessions_follow_the_memory_arena_setting(arena: bool) -> None:
    model = models.resolve(models.TEXT_RECOGNITION)
    session = create_session(model.path, EngineConfig(device="cpu", cpu_mem_arena=arena))
    assert session.get_session_options().enable_cpu_mem_arena is arena


@pytest.mark.parametrize("device_id", [0, 3])
def test_cuda_sessions_run_on_the_configured_device(
    monkeypatch: pytest.MonkeyPatch, device_id: int
) -> None:
    # no GPU here: the session ONNX Runtime is asked for is recorded instead of made
    import onnxruntime

    asked: list[object] = []
    monkeypatch.setattr(
        onnxruntime, "InferenceSession", lambda *a, providers, **k: asked.append(providers)
    )
    model = models.resolve(models.TEXT_RECOGNITION)
    create_session(model.path, EngineConfig(device="cuda", device_id=device_id), "cuda")
    (providers,) = asked
    assert isinstance(providers, list)
    assert providers[0][0] == CUDA and providers[0][1]["device_id"] == device_id
    assert providers[-1] == "CPUExecutionProvider"
