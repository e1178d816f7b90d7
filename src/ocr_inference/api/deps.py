"""Dependency aliases for the routes: the services, and the owner of the request's API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from ocr_inference.api.services import Services
from ocr_inference.errors import Unauthorized

# auto_error=False: whether a key is needed depends on the settings, decided below
api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    auto_error=False,
    description="One of OCR_API_KEYS or OCR_API_KEYS_FILE; needed only when keys are set.",
)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
ApiKeyDep = Annotated[str | None, Security(api_key_header)]


def get_owner(services: ServicesDep, key: ApiKeyDep) -> str | None:
    """The owner id of the request's API key; None while no key is configured.

    Raises:
        Unauthorized: keys are configured and the request has none of them (401).
    """
    if not services.keys:
        return None
    if key is None:
        raise Unauthorized("This endpoint needs an X-API-Key header.")
    owner = services.keys.owner_of(key)
    if owner is None:
        raise Unauthorized("The X-API-Key header holds no valid API key.")
    return owner


def check_metrics_access(services: ServicesDep, key: ApiKeyDep) -> None:
    """/metrics needs a valid key only with OCR_METRICS_REQUIRE_KEY."""
    if services.settings.metrics_require_key:
        get_owner(services, key)


OwnerDep = Annotated[str | None, Depends(get_owner)]
