"""What a worker's heartbeat says it runs, and the warning a worker logs at start when
live workers run with other settings (another pipeline file, time limit, pages per task,
max attempts or result lifetime: ``Settings.settings_hash``)."""

from __future__ import annotations

import logging

import redis

from ocr_inference.config import Settings
from ocr_inference.pipeline import Pipeline
from ocr_inference.tasks.heartbeats import Heartbeats, WorkerIdentity

log = logging.getLogger("ocr_inference.worker")


def worker_identity(settings: Settings, pipeline: Pipeline | None) -> WorkerIdentity:
    """The identity a heartbeat publishes: the engines the loaded models run on, or the
    configured engine before they are loaded."""
    engines = sorted({m.engine for m in pipeline.models if m.engine}) if pipeline else []
    return WorkerIdentity(
        settings_hash=settings.settings_hash,
        pipeline=settings.pipeline.pipeline_name,
        profile=settings.pipeline_file.stem,
        engine="+".join(engines) or settings.engine,
    )


def warn_if_settings_differ(store: Heartbeats, worker: str, settings_hash: str) -> None:
    """Log a warning naming the live workers whose settings hash is not ``settings_hash``:
    the same queue then gives different results or task semantics by where a task runs."""
    try:
        others = store.differing(settings_hash, besides=worker)
    except redis.RedisError as exc:
        log.warning("could not compare settings with the live workers: %s", exc)
        return
    if others:
        log.warning(
            "live workers run with other settings (pipeline file, time limit, pages per "
            "task, max attempts or result lifetime): results depend on which worker takes "
            "a task",
            extra={
                "worker": worker,
                "settings_hash": settings_hash,
                "differing": {beat.name: beat.identity.settings_hash for beat in others},
            },
        )
