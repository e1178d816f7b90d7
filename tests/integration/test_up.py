"""``ocr-inference up`` repairs itself: after ``kill -9`` of every worker process, the
documents in flight end SUCCESS with no manual step, and /health answers 200 throughout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocr_dev.up_run import kill_workers_under_up
from ocr_inference.local.launcher import free_port

pytestmark = pytest.mark.integration


def test_every_worker_process_killed_and_every_document_still_succeeds(tmp_path: Path) -> None:
    run = kill_workers_under_up(tmp_path, documents=4, pages=2)
    print(
        f"kill -9 of {len(run.killed)} worker processes to the last SUCCESS: "
        f"{run.seconds_to_last_success:.1f} s"
    )
    assert len(run.killed) >= 2, run.log  # the main process and its pool
    assert not run.problems, run.log
    assert not run.health_failures, run.log
    assert "worker exited with status -9; restart 1 in 1 s" in run.log
    assert "messages the dead worker had taken are back on their queues" in run.log
    # the messages the dead worker had taken are back at once, not after the visibility
    # timeout (the task time limit + 60 s = 360 s by default)
    assert run.seconds_to_last_success < 120, run.log


def test_a_bad_setting_stops_up_instead_of_restarting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        {
            "OCR_DATA_DIR": str(tmp_path / "data"),
            "OCR_PORT": str(free_port()),
            # a model file that is not there: the worker refuses to start (status 2)
            "OCR_PIPELINE__SUBMODULES__TEXTDETECTION__MODEL_PATH": str(tmp_path / "none.onnx"),
        }
    )
    up = subprocess.run(
        [sys.executable, "-m", "ocr_inference", "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert up.returncode == 1, up.stderr
    assert "exited with status 2 before it was ready; stopping" in up.stderr
    assert "none.onnx" in up.stderr
    assert "restart" not in up.stderr
