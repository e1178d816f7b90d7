"""Prometheus metrics, computed from Redis at request time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from ocr_inference.api.deps import ServicesDep, check_metrics_access
from ocr_inference.api.prometheus import CONTENT_TYPE, render, service_metrics
from ocr_inference.tasks.queue import WORK_QUEUES

router = APIRouter(tags=["metrics"])


# errors are JSON problems, not the exposition format the successful answer uses
_PROBLEM: dict[str, Any] = {
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}


class Exposition(PlainTextResponse):
    media_type = CONTENT_TYPE


@router.get(
    "/metrics",
    response_class=Exposition,
    dependencies=[Depends(check_metrics_access)],
    responses=dict.fromkeys((401, 503), _PROBLEM),
)
def metrics(services: ServicesDep) -> Exposition:
    """Queue depths, running documents, held upload bytes and task counters."""
    return Exposition(render(service_metrics(services.store.stats(WORK_QUEUES))))
