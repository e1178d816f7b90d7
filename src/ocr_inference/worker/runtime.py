"""Per-process worker state: the pipeline, loaded once when a pool process starts, and a
heartbeat in Redis that tells the API how many workers are alive and ready (the same thread
runs the sweep that queues again the tasks whose message was lost, ``tasks.recovery``).

Two seams make the task bodies testable without models or faults in the product: the
pipeline factory (tests pass one over the fake engine) and the document opener (the
fault-injection worker wraps it). ``configure`` sets them for the runtime this process
makes next."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import redis
from celery import current_app

from ocr_inference.config import Settings, get_settings
from ocr_inference.documents import Document
from ocr_inference.errors import ServiceUnavailable
from ocr_inference.pipeline import Pipeline
from ocr_inference.tasks.connection import WORKER_FAILOVER_S, redis_connection
from ocr_inference.tasks.recovery import sweep
from ocr_inference.tasks.service import TaskService
from ocr_inference.tasks.store import TaskStore
from ocr_inference.tasks.uploads import open_upload
from ocr_inference.worker.devices import pool_index, process_engine_config
from ocr_inference.worker.identity import warn_if_settings_differ, worker_identity

log = logging.getLogger("ocr_inference.worker")

HEARTBEAT_INTERVAL_S = 5.0
HEARTBEAT_TTL_S = 20

PipelineFactory = Callable[[Settings], Pipeline]


# how a task opens its stored upload: ``ocr_inference.tasks.uploads.open_upload``'s signature
DocumentOpener = Callable[..., Document]


def load_pipeline(settings: Settings) -> Pipeline:
    """The pipeline the settings describe, its engines sharing the cores among the
    worker's processes, on this pool process's CUDA device (``OCR_CUDA_DEVICES``)."""
    return Pipeline(
        settings.pipeline,
        process_engine_config(settings, pool_index()),
        model_dir=settings.model_dir,
    )


@dataclass
class Seams:
    settings: Settings | None = None  # None: from the environment
    pipeline_factory: PipelineFactory = load_pipeline
    opener: DocumentOpener = open_upload


class WorkerRuntime:
    """What one worker process holds for its lifetime."""

    def __init__(
        self,
        settings: Settings,
        *,
        pipeline_factory: PipelineFactory = load_pipeline,
        opener: DocumentOpener = open_upload,
    ) -> None:
        self.settings = settings
        self.limits = settings.limits()
        self.store = TaskStore(
            redis_connection(settings, failover_s=WORKER_FAILOVER_S),
            result_ttl_s=settings.result_ttl_s,
            blob_ttl_s=settings.blob_ttl_s,
        )
        self.open = opener
        self.pid = os.getpid()
        self.name = f"{socket.gethostname()}:{self.pid}"
        self._pipeline_factory = pipeline_factory
        self._pipeline: Pipeline | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat_now = threading.Event()  # set: the next heartbeat goes now
        self._beat: threading.Thread | None = None

    @property
    def pipeline(self) -> Pipeline:
        """The pipeline of this process, loaded on first use if process init did not."""
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._pipeline_factory(self.settings)
                self._beat_now.set()  # ready: say so now, not at the next interval
                log.info(
                    "pipeline loaded",
                    extra={
                        "device": self._pipeline.device,
                        "cuda_device": self._pipeline.engine.device_id,
                        "worker": self.name,
                        "threads": self._pipeline.engine.intra_op_threads,
                        "models": [m.model_dump() for m in self._pipeline.models],
                    },
                )
            return self._pipeline

    @property
    def models_loaded(self) -> bool:
        return self._pipeline is not None

    def start_heartbeat(self) -> None:
        warn_if_settings_differ(self.store, self.name, self.settings.settings_hash)
        self._beat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        self._beat.start()

    def stop(self) -> None:
        self._stop.set()
        self._beat_now.set()
        try:
            self.store.forget_worker(self.name)
        except redis.RedisError:
            log.warning("could not remove the heartbeat of %s", self.name)

    def _heartbeat(self) -> None:
        while not self._stop.is_set():
            try:
                self.store.heartbeat(
                    self.name,
                    models_loaded=self.models_loaded,
                    ttl_s=HEARTBEAT_TTL_S,
                    identity=worker_identity(self.settings, self._pipeline),
                )
            except redis.RedisError as exc:
                log.warning("heartbeat failed: %s", exc)
            self._sweep()
            self._beat_now.wait(HEARTBEAT_INTERVAL_S)
            self._beat_now.clear()

    def _sweep(self) -> None:
        """Queue again the tasks whose message was lost, when it is this process's turn."""
        services = TaskService(self.settings, self.store, current_app)
        try:
            sweep(services, holder=self.name)
        except (redis.RedisError, ServiceUnavailable) as exc:
            log.warning("sweep for lost tasks failed: %s", exc)


_seams = Seams()
_runtime: WorkerRuntime | None = None


def configure(
    *,
    settings: Settings | None = None,
    pipeline_factory: PipelineFactory | None = None,
    opener: DocumentOpener | None = None,
) -> None:
    """Set what the runtime this process makes next is built from; the current one, if
    any, is dropped. Unset arguments keep their earlier value."""
    global _runtime
    if settings is not None:
        _seams.settings = settings
    if pipeline_factory is not None:
        _seams.pipeline_factory = pipeline_factory
    if opener is not None:
        _seams.opener = opener
    _runtime = None


def reset() -> None:
    """Back to the seams' defaults (settings from the environment, the real pipeline and
    opener); the current runtime, if any, is dropped."""
    global _seams, _runtime
    _seams = Seams()
    _runtime = None


def get_runtime() -> WorkerRuntime:
    """The runtime of this process, created on first use. A pool process forked from a
    worker whose main process already made one (to end a task that Celery failed there)
    makes its own: the inherited one bears the parent's name and holds no models."""
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        _runtime = WorkerRuntime(
            _seams.settings or get_settings(),
            pipeline_factory=_seams.pipeline_factory,
            opener=_seams.opener,
        )
    return _runtime


def current_runtime() -> WorkerRuntime | None:
    """The runtime this process made, if it made one."""
    return _runtime if _runtime is not None and _runtime.pid == os.getpid() else None
