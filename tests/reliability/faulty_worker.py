"""``ocr-inference`` with one fault that an uploaded document can ask for: a document whose
bytes contain ``HANG_MARKER`` makes its task hang the way code stuck in a native call
does, deaf to Celery's soft time limit, so that only the hard limit can end it.

Run as ``python -m reliability.faulty_worker worker ...`` with ``tests/`` on PYTHONPATH;
the pool processes are forked from this one and inherit the patch.
"""

from __future__ import annotations

import signal
import time

from ocr_inference import cli
from ocr_inference.documents.loader import Document
from ocr_inference.worker import tasks
from ocr_inference.worker.runtime import WorkerRuntime

HANG_MARKER = b"ocr-fault\x00hang"

_open = tasks._open


def _open_or_hang(
    runtime: WorkerRuntime, document_id: str, select: range | None = None
) -> Document:
    data = runtime.store.load_blob(document_id) or b""
    if HANG_MARKER in data:
        # billiard's soft time limit is SIGUSR1; a blocked signal waits, as it does for
        # a thread that never returns to the interpreter
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        time.sleep(3600)
    return _open(runtime, document_id, select)


tasks._open = _open_or_hang

if __name__ == "__main__":
    cli.app()
