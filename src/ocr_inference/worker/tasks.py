"""Celery tasks: fetch the upload, run the pipeline, hand back the result. No OCR logic here."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded

from ocr_inference.documents import open_document
from ocr_inference.errors import OCRError, TaskTimeout, UploadMissing, WorkerLost
from ocr_inference.worker.runtime import get_runtime

log = logging.getLogger("ocr_inference.worker")


def process_document(task: Task[Any, Any]) -> dict[str, Any]:
    """Body of the ``process_document`` task, bound to the running Celery task."""
    runtime = get_runtime()
    task_id = str(task.request.id)
    attempt = runtime.store.count_attempt(task_id)
    try:
        if attempt > runtime.settings.max_attempts:
            # Reached when the worker's main process died mid-task and Redis redelivered it.
            raise WorkerLost(
                f"Worker processes died {attempt - 1} times while processing this document."
            )
        data = runtime.store.load_blob(task_id)
        if data is None:
            raise UploadMissing("The uploaded file is no longer stored; submit it again.")
        text_layer = runtime.settings.pipeline.text_layer != "never"
        document = open_document(data, runtime.limits, text_layer=text_layer)
        del data
        log.info("processing", extra={"pages": document.page_count, "attempt": attempt})

        def progress(done: int, total: int) -> None:
            task.update_state(state="STARTED", meta={"pages_done": done, "pages_total": total})

        result = runtime.pipeline.run(document.pages, document.page_count, progress)
    except SoftTimeLimitExceeded as exc:
        raise TaskTimeout(
            f"Processing took longer than {runtime.settings.task_time_limit_s} s."
        ) from exc
    except OCRError as exc:
        log.info("document refused", extra={"code": exc.code, "reason": exc.message})
        raise
    except Exception as exc:
        log.exception("unexpected error")
        raise OCRError(
            f"Internal error while processing the document ({type(exc).__name__})."
        ) from exc
    finally:
        # the record and upload now live exactly as long as the result
        runtime.store.finish(task_id)
    log.info(
        "done",
        extra={
            "pages": len(result.pages),
            "lines": len(result.detections),
            "seconds": result.meta.seconds,
        },
    )
    return result.model_dump(mode="json")
