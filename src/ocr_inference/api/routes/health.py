"""Liveness that tells the truth about Redis and the workers."""

from __future__ import annotations

import redis
from fastapi import APIRouter, Response, status

from ocr_inference.api.deps import ServicesDep
from ocr_inference.errors import RETRY_AFTER_S
from ocr_inference.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(services: ServicesDep, response: Response) -> Health:
    """200 while Redis answers (uploads can be queued), 503 when it does not."""
    try:
        services.store.client.ping()
        workers = services.store.workers()
    except redis.RedisError:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return Health(status="unavailable", redis="unreachable", workers=0, models_loaded=False)
    return Health(
        status="ok", redis="ok", workers=workers.alive, models_loaded=workers.models_loaded
    )
