"""``ocr-inference`` with faults that an uploaded document can ask for:

- bytes containing ``HANG_MARKER`` make its task hang the way code stuck in a native call
  does, deaf to Celery's soft time limit, so that only the hard limit can end it;
- bytes containing ``CRASH_MARKER`` make its task kill its own process, every time, as a
  native crash in a decoder would (a poison document).

Run as ``python -m ocr_dev.faulty_worker worker ...`` (``ocr_dev.cluster`` does); the pool
processes are forked from this one and inherit the patch.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from ocr_inference import cli
from ocr_inference.worker import tasks
from ocr_inference.worker.runtime import WorkerRuntime

HANG_MARKER = b"ocr-fault\x00hang"
CRASH_MARKER = b"ocr-fault\x00crash"

_open = tasks._open


def _open_or_hang(runtime: WorkerRuntime, document_id: str, *args: Any) -> Any:
    data = runtime.store.load_blob(document_id) or b""
    if HANG_MARKER in data:
        # billiard's soft time limit is SIGUSR1; a blocked signal waits, as it does for
        # a thread that never returns to the interpreter
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        time.sleep(3600)
    if CRASH_MARKER in data:
        os.kill(os.getpid(), signal.SIGKILL)
    return _open(runtime, document_id, *args)


# a monkeypatch, typed loosely on purpose, until the worker runtime has a document-opener hook
tasks._open = _open_or_hang  # type: ignore[assignment]

if __name__ == "__main__":
    cli.app()
