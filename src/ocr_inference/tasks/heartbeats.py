"""Heartbeats of worker processes: how many are alive and whether they have loaded their
models."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from ocr_inference.tasks.keys import StoreBase, key


@dataclass(frozen=True)
class WorkerReport:
    alive: int
    models_loaded: bool


class Heartbeats(StoreBase):
    """One key per worker process, expiring when it stops beating."""

    def heartbeat(self, worker: str, *, models_loaded: bool, ttl_s: int) -> None:
        payload = json.dumps({"models_loaded": models_loaded, "at": time.time()})
        self.client.set(key("worker", worker), payload, ex=ttl_s)

    def forget_worker(self, worker: str) -> None:
        self.client.delete(key("worker", worker))

    def workers(self) -> WorkerReport:
        alive, loaded = 0, False
        keys = list(self.client.scan_iter(match=key("worker", "*"), count=500))
        for raw in self.client.mget(keys) if keys else []:
            if raw is None:
                continue
            alive += 1
            loaded = loaded or bool(json.loads(raw).get("models_loaded"))
        return WorkerReport(alive, loaded)
