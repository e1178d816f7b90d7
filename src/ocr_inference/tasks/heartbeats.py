"""Heartbeats of worker processes: how many are alive, whether they have loaded their
models, and what each runs (pipeline, engine and the hash of its settings).

A heartbeat is the JSON ``{"models_loaded", "at", "settings_hash", "pipeline", "profile",
"engine"}`` under ``ocr:worker:{name}``; heartbeats of workers older than the last four
fields lack them, and read as None."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from ocr_inference.tasks.keys import StoreBase, key


@dataclass(frozen=True)
class WorkerReport:
    alive: int
    models_loaded: bool


@dataclass(frozen=True)
class WorkerIdentity:
    """What a worker runs, as its heartbeat publishes it.

    Attributes:
        settings_hash: ``Settings.settings_hash``: equal hashes serve tasks alike.
        pipeline: the pipeline file's ``pipeline_name``.
        profile: the pipeline file's name without its suffix (``text-fast``).
        engine: the engines its models run on once loaded, else the configured one.
    """

    settings_hash: str | None = None
    pipeline: str | None = None
    profile: str | None = None
    engine: str | None = None


@dataclass(frozen=True)
class WorkerBeat:
    """One live worker's last heartbeat: ``at`` is its Unix time."""

    name: str
    at: float
    models_loaded: bool
    identity: WorkerIdentity


def _beat(name: str, raw: bytes | str) -> WorkerBeat:
    data: dict[str, Any] = json.loads(raw)
    fields = {
        field: value if isinstance(value := data.get(field), str) else None
        for field in ("settings_hash", "pipeline", "profile", "engine")
    }
    return WorkerBeat(
        name=name,
        at=float(data.get("at") or 0.0),
        models_loaded=bool(data.get("models_loaded")),
        identity=WorkerIdentity(**fields),
    )


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class Heartbeats(StoreBase):
    """One key per worker process, expiring when it stops beating."""

    def heartbeat(
        self,
        worker: str,
        *,
        models_loaded: bool,
        ttl_s: int,
        identity: WorkerIdentity | None = None,
    ) -> None:
        payload = {
            "models_loaded": models_loaded,
            "at": time.time(),
            **asdict(identity or WorkerIdentity()),
        }
        self.client.set(key("worker", worker), json.dumps(payload), ex=ttl_s)

    def forget_worker(self, worker: str) -> None:
        self.client.delete(key("worker", worker))

    def beats(self) -> list[WorkerBeat]:
        """The heartbeat of every live worker, by name."""
        keys = sorted(self.client.scan_iter(match=key("worker", "*"), count=500))
        prefix = len(key("worker", ""))
        raws = self.client.mget(keys) if keys else []
        return [
            _beat(_text(name)[prefix:], raw)
            for name, raw in zip(keys, raws, strict=True)
            if raw is not None
        ]

    def workers(self) -> WorkerReport:
        beats = self.beats()
        return WorkerReport(len(beats), any(beat.models_loaded for beat in beats))

    def differing(self, settings_hash: str, *, besides: str) -> list[WorkerBeat]:
        """Live workers other than ``besides`` whose settings hash is not ``settings_hash``
        (a worker that publishes none differs)."""
        return [
            beat
            for beat in self.beats()
            if beat.name != besides and beat.identity.settings_hash != settings_hash
        ]
