"""Which CUDA device a worker's pool process runs its models on (``OCR_CUDA_DEVICES``).

Billiard numbers a worker's pool processes 0 to concurrency - 1 and gives a process that
replaces one (recycled, or died) the lowest number not in use: the number of the process
it replaces. A process's device follows from its number alone, so the pool is spread
evenly over the devices and a replacement takes the device that was freed, without any
state in Redis.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from billiard.process import current_process

from ocr_inference.config import Settings
from ocr_inference.pipeline.engine import EngineConfig


def pick_device(devices: Sequence[int], process_index: int) -> int:
    """The device of pool process ``process_index``: the devices taken in turn (process 0
    on the first, 1 on the second, …, wrapping round); device 0 when none are given."""
    if not devices:
        return 0
    return devices[process_index % len(devices)]


def pool_index() -> int:
    """This pool process's number in its worker's pool; 0 outside a pool (the solo pool,
    ``ocr-inference process``)."""
    index = getattr(current_process(), "index", None)
    return index if isinstance(index, int) and index >= 0 else 0


def process_engine_config(settings: Settings, process_index: int) -> EngineConfig:
    """The engine configuration of pool process ``process_index`` of a worker: its share
    of the cores, and its CUDA device."""
    config = settings.engine_config(settings.worker_processes)
    device_id = pick_device(settings.cuda_devices, process_index)
    return dataclasses.replace(config, device_id=device_id)
