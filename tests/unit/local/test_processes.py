from __future__ import annotations

import signal
import subprocess
import sys
import time

from ocr_inference.local.processes import stop_all

IGNORES_SIGTERM = (
    "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


def test_running_processes_are_terminated_and_stubborn_ones_killed() -> None:
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stubborn = subprocess.Popen([sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE)
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    start = time.monotonic()
    stop_all([polite, stubborn, done], timeout_s=1)
    stubborn.stdout.close()
    assert polite.returncode == -signal.SIGTERM
    assert stubborn.returncode == -signal.SIGKILL
    assert done.returncode == 0 and time.monotonic() - start < 10
