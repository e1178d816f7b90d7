"""The live workers, each with what it runs and whether its settings hash is the API's.
Behind the API keys like the /api/v1/ocr routes: names and hosts are not for the public."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends

from ocr_inference.api.deps import ServicesDep, get_owner
from ocr_inference.schemas import Problem, WorkerInfo, Workers

router = APIRouter(prefix="/api/v1", tags=["workers"], dependencies=[Depends(get_owner)])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": Problem} for code in (401, 503)}


@router.get("/workers", response_model=Workers, responses=_ERRORS)
def workers(services: ServicesDep) -> Workers:
    """Every worker process whose heartbeat is alive; ``settings_match`` is false for one
    whose settings hash (pipeline file, time limit, pages per task, max attempts, result
    lifetime) differs from the API's, so it may treat tasks otherwise."""
    expected = services.settings.settings_hash
    listed = [
        WorkerInfo(
            name=beat.name,
            pipeline=beat.identity.pipeline,
            profile=beat.identity.profile,
            engine=beat.identity.engine,
            models_loaded=beat.models_loaded,
            last_heartbeat=datetime.fromtimestamp(beat.at, UTC),
            settings_hash=beat.identity.settings_hash,
            settings_match=beat.identity.settings_hash == expected,
        )
        for beat in services.store.beats()
    ]
    mismatched = sum(not worker.settings_match for worker in listed)
    return Workers(settings_hash=expected, workers=listed, mismatched=mismatched)
