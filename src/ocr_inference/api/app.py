"""The FastAPI application: lifespan, middleware, error handlers and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError
from redis.sentinel import MasterNotFoundError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from ocr_inference import __version__
from ocr_inference.api.body_limit import BodySizeLimitMiddleware
from ocr_inference.api.request_counter import RequestCountMiddleware
from ocr_inference.api.routes import exports, health, metrics, ocr, web, workers
from ocr_inference.api.services import Services
from ocr_inference.config import Settings, get_settings
from ocr_inference.errors import RETRY_AFTER_S, OCRError, ServiceUnavailable

log = logging.getLogger("ocr_inference.api")

_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
# multipart framing around the file: boundaries, part headers, other small fields
_MULTIPART_OVERHEAD = 64 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services.from_settings(settings)
        try:
            yield
        finally:
            await app.state.services.aclose()
            app.state.services.close()

    app = FastAPI(
        title="ocr-inference",
        version=__version__,
        description="Asynchronous document OCR: submit a PDF or image, poll for its text lines.",
        lifespan=lifespan,
    )
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=settings.max_upload_bytes + _MULTIPART_OVERHEAD
    )
    # added last, so outermost: it also counts the body limit's 413 answers
    app.add_middleware(RequestCountMiddleware)
    app.include_router(ocr.router)
    app.include_router(exports.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(workers.router)
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")
    _add_error_handlers(app)
    return app


def _problem(
    status: int, detail: str, code: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method the request's path answers to; Starlette's 405 names only those of the
    first route on the path (GET, where DELETE is another route)."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    )


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OCRError)
    async def ocr_error(_: Request, exc: OCRError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after_s", None)
        challenge = getattr(exc, "www_authenticate", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        if challenge:
            headers["WWW-Authenticate"] = challenge
        return _problem(exc.http_status, exc.message, exc.code, headers or None)

    # Starlette's class, which FastAPI's subclasses: the router (404, 405) and the multipart
    # parser (400) raise it too, and their answers carry a code like every other error.
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        codes = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed"}
        code = codes.get(exc.status_code, "http_error")
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return _problem(exc.status_code, str(exc.detail), code, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(
            ".".join(str(p) for p in e["loc"]) + f": {e['msg']}" for e in exc.errors()
        )
        return _problem(422, f"Invalid request: {fields}", "invalid_request")

    @app.exception_handler(redis.RedisError)
    @app.exception_handler(OperationalError)
    async def redis_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("redis unreachable: %s", exc)
        # no Sentinel answers, or none monitors OCR_SENTINEL_MASTER: the message names it
        why = f" ({exc})" if isinstance(exc, MasterNotFoundError) else ""
        return _problem(
            503,
            f"Redis is unreachable{why}; try again shortly.",
            ServiceUnavailable.code,
            {"Retry-After": str(RETRY_AFTER_S)},
        )
