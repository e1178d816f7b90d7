"""Liveness that tells the truth about Redis and the workers: ``/health`` as ever, and the
two probes an orchestrator needs, ``/health/live`` (the process answers; no Redis call)
and ``/health/ready`` (Redis answers, so uploads can be queued; workers are reported, not
required, since queued work waits for them)."""

from __future__ import annotations

import redis
from fastapi import APIRouter, Response, status

from ocr_inference.api.deps import ServicesDep
from ocr_inference.errors import RETRY_AFTER_S, ServiceUnavailable
from ocr_inference.schemas import Health, Liveness, Problem

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


@router.get("/health/live", response_model=Liveness)
def live() -> Liveness:
    """200 while the process answers; it calls nothing, so a Redis outage never restarts
    the API (use it for a liveness probe)."""
    return Liveness()


@router.get("/health/ready", response_model=Health, responses={503: {"model": Problem}})
def ready(services: ServicesDep) -> Health:
    """200 when Redis answers and uploads can be queued (use it for a readiness probe);
    503 ``unavailable`` with Retry-After when it does not. Workers are reported but not
    required: queued work waits for them."""
    try:
        services.store.client.ping()
        workers = services.store.workers()
    except redis.RedisError as exc:
        raise ServiceUnavailable("Redis is unreachable; try again shortly.") from exc
    return Health(
        status="ok", redis="ok", workers=workers.alive, models_loaded=workers.models_loaded
    )
