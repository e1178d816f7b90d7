"""``ocr-inference`` with faults that an uploaded document can ask for:

- bytes containing ``HANG_MARKER`` make its task hang the way code stuck in a native call
  does, deaf to Celery's soft time limit, so that only the hard limit can end it;
- bytes containing ``CRASH_MARKER`` make its task kill its own process, every time, as a
  native crash in a decoder would (a poison document).

Run as ``python -m ocr_dev.faulty_worker worker ...`` (``ocr_dev.cluster`` does); the pool
processes are forked from this one and inherit its opener.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from ocr_inference import cli
from ocr_inference.documents import Document
from ocr_inference.tasks.store import TaskStore
from ocr_inference.tasks.uploads import open_upload
from ocr_inference.worker import runtime

HANG_MARKER = b"ocr-fault\x00hang"
CRASH_MARKER = b"ocr-fault\x00crash"


def open_or_fail(store: TaskStore, task_id: str, *args: Any, **options: Any) -> Document:
    """The worker's document opener, unless the upload asks for a fault."""
    data = store.load_blob(task_id) or b""
    if HANG_MARKER in data:
        # billiard's soft time limit is SIGUSR1; a blocked signal waits, as it does for
        # a thread that never returns to the interpreter
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        time.sleep(3600)
    if CRASH_MARKER in data:
        os.kill(os.getpid(), signal.SIGKILL)
    return open_upload(store, task_id, *args, **options)


if __name__ == "__main__":
    # the worker runtime's seam: every runtime this process and its pool processes make
    # opens uploads through open_or_fail (set here, not on import: tests import the markers)
    runtime.configure(opener=open_or_fail)
    cli.app()
