"""OCR_CUDA_DEVICES: each pool process of a worker runs its models on one device, chosen
from its number in the pool, which a replacement process takes over."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import billiard
import pytest

from ocr_inference.config import Settings, load_settings
from ocr_inference.errors import ConfigurationError
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.worker import devices, runtime
from ocr_inference.worker.devices import pick_device, pool_index, process_engine_config


def test_processes_take_the_devices_in_turn() -> None:
    assert [pick_device([0, 1], index) for index in range(5)] == [0, 1, 0, 1, 0]
    assert [pick_device([2, 3, 5], index) for index in range(4)] == [2, 3, 5, 2]
    assert pick_device([1], 7) == 1


def test_without_devices_every_process_uses_device_0() -> None:
    assert [pick_device([], index) for index in range(3)] == [0, 0, 0]


def test_devices_come_from_a_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_CUDA_DEVICES", "0, 1,3")
    assert Settings().cuda_devices == [0, 1, 3]
    monkeypatch.setenv("OCR_CUDA_DEVICES", "")
    assert Settings().cuda_devices == []
    monkeypatch.delenv("OCR_CUDA_DEVICES")
    assert Settings().cuda_devices == []


@pytest.mark.parametrize("value", ["0,gpu1", "-1"])
def test_a_bad_device_list_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("OCR_CUDA_DEVICES", value)
    with pytest.raises(ConfigurationError, match="OCR_CUDA_DEVICES"):
        load_settings()


def test_the_engine_config_of_a_process_carries_its_device() -> None:
    settings = Settings(cuda_devices=[0, 1], worker_concurrency=4, device="cuda")
    configs = [process_engine_config(settings, index) for index in range(4)]
    assert [config.device_id for config in configs] == [0, 1, 0, 1]
    # everything else is the worker's engine config, unchanged
    assert {config.processes for config in configs} == {4}
    assert {config.device for config in configs} == {"cuda"}
    unset = process_engine_config(Settings(worker_concurrency=4), 3)
    assert unset == Settings(worker_concurrency=4).engine_config(4)
    assert unset.device_id == EngineConfig().device_id == 0


def test_the_runtime_loads_the_pipeline_on_its_process_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[EngineConfig] = []
    dirs: list[Path] = []

    def pipeline(config: Any, engine: EngineConfig, model_dir: Path) -> object:
        built.append(engine)
        dirs.append(model_dir)
        return object()

    monkeypatch.setattr(runtime, "Pipeline", pipeline)
    monkeypatch.setattr(devices, "current_process", lambda: SimpleNamespace(index=4))
    runtime.load_pipeline(
        Settings(cuda_devices=[4, 5, 6], worker_concurrency=4, model_dir=Path("/srv/models"))
    )
    assert built[-1].device_id == 5 and built[-1].processes == 4
    assert dirs[-1] == Path("/srv/models")  # OCR_MODEL_DIR reaches the pipeline


def test_outside_a_pool_the_process_is_number_0() -> None:
    assert pool_index() == 0  # pytest's own process, as the solo pool's


def _index_and_pid(_: int) -> tuple[int, int]:
    return pool_index(), os.getpid()


def test_a_replacement_pool_process_takes_the_number_it_replaces() -> None:
    # what the device choice rests on: billiard numbers its processes 0..n-1 and gives a
    # new one the lowest free number (here each process is replaced after every task)
    with billiard.Pool(2, maxtasksperchild=1) as pool:
        seen = pool.map(_index_and_pid, range(6), chunksize=1)
    assert {index for index, _ in seen} <= {0, 1}
    assert len({pid for _, pid in seen}) == 6  # six processes, two numbers
