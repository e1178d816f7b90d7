"""Count API requests in Redis by route template, method and status, so that /metrics adds
up every API process."""

from __future__ import annotations

import logging
import re

import anyio.to_thread
import redis
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ocr_inference.api")

# scrapes and probes would outnumber everything else, and say nothing about the service's
# use; /health/live must not call Redis at all
_NOT_COUNTED = frozenset({"/metrics", "/health/live", "/health/ready"})
# a path no route matches: one label for all, so random paths cannot grow the hash
UNMATCHED = "unmatched"
# any token is a method to HTTP; those outside the standard ones share one label, alike
_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)
_OTHER_METHOD = "OTHER"


class RequestCountMiddleware:
    """Counts each HTTP request once its answer is sent (500 when none was)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: list[tuple[re.Pattern[str], str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = self.route_template(scope)
            if route not in _NOT_COUNTED:
                await anyio.to_thread.run_sync(_count, scope, route, status)

    def route_template(self, scope: Scope) -> str:
        """The path template of the route that answered, such as
        ``/api/v1/ocr/results/{task_id}``; for an answer given before routing (a 413 from
        the body limit), the documented path the request's path matches; ``unmatched``
        for none."""
        path = getattr(scope.get("route"), "path", None)
        if isinstance(path, str):
            return path
        if self._templates is None:
            # FastAPI's routers nest in private classes; its OpenAPI paths are public
            paths = scope["app"].openapi()["paths"]
            self._templates = [(compile_path(template)[0], template) for template in paths]
        return next((t for regex, t in self._templates if regex.match(scope["path"])), UNMATCHED)


def _count(scope: Scope, route: str, status: int) -> None:
    services = getattr(scope["app"].state, "services", None)
    if services is None:
        return
    try:
        method = scope["method"] if scope["method"] in _METHODS else _OTHER_METHOD
        services.store.count_request(method, route, status)
    except redis.RedisError as exc:  # the answer matters more than its count
        log.debug("request not counted: %s", exc)
