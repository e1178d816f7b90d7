"""Per-process worker state: the pipeline, loaded once when a pool process starts, and a
heartbeat in Redis that tells the API how many workers are alive and ready."""

from __future__ import annotations

import logging
import os
import socket
import threading

import redis

from ocr_inference.config import Settings, get_settings
from ocr_inference.pipeline import Pipeline
from ocr_inference.tasks.store import TaskStore, redis_client

log = logging.getLogger("ocr_inference.worker")

HEARTBEAT_INTERVAL_S = 5.0
HEARTBEAT_TTL_S = 20


class WorkerRuntime:
    """What one worker process holds for its lifetime."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limits = settings.limits()
        self.store = TaskStore(
            redis_client(settings.redis_url),
            result_ttl_s=settings.result_ttl_s,
            blob_ttl_s=settings.blob_ttl_s,
        )
        self.pid = os.getpid()
        self.name = f"{socket.gethostname()}:{self.pid}"
        self._pipeline: Pipeline | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    @property
    def pipeline(self) -> Pipeline:
        """The pipeline of this process, loaded on first use if process init did not."""
        with self._lock:
            if self._pipeline is None:
                engine = self.settings.engine_config(self.settings.worker_processes)
                self._pipeline = Pipeline(self.settings.pipeline, engine)
                log.info(
                    "Celery: OCRService loaded.",
                    extra={
                        "device": self._pipeline.device,
                        "worker": self.name,
                        "threads": engine.intra_op_threads,
                        "models": [m.model_dump() for m in self._pipeline.models],
                    },
                )
            return self._pipeline

    @property
    def models_loaded(self) -> bool:
        return self._pipeline is not None

    def start_heartbeat(self) -> None:
        self._beat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        self._beat.start()

    def stop(self) -> None:
        self._stop.set()
        try:
            self.store.forget_worker(self.name)
        except redis.RedisError:
            log.warning("could not remove the heartbeat of %s", self.name)

    def _heartbeat(self) -> None:
        while not self._stop.is_set():
            try:
                self.store.heartbeat(
                    self.name, models_loaded=self.models_loaded, ttl_s=HEARTBEAT_TTL_S
                )
            except redis.RedisError as exc:
                log.warning("heartbeat failed: %s", exc)
            self._stop.wait(HEARTBEAT_INTERVAL_S)


_runtime: WorkerRuntime | None = None


def get_runtime() -> WorkerRuntime:
    """The runtime of this process, created on first use. A pool process forked from a
    worker whose main process already made one (to end a task that Celery failed there)
    makes its own: the inherited one bears the parent's name and holds no models."""
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        _runtime = WorkerRuntime(get_settings())
    return _runtime


def current_runtime() -> WorkerRuntime | None:
    """The runtime this process made, if it made one."""
    return _runtime if _runtime is not None and _runtime.pid == os.getpid() else None
