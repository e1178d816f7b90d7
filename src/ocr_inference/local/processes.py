"""Stopping the child processes that ``ocr-inference up``, the tests and the benchmarks
start."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from typing import Any


def stop_all(processes: Sequence[subprocess.Popen[Any]], timeout_s: float = 30) -> None:
    """Ask every running process to stop (SIGTERM), wait, and kill those still running."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
