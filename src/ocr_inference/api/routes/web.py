"""The web page at ``/``: a static viewer that drives the public API from the browser.

The page and its assets are public even when API keys are configured; the page asks for a
key when the API answers 401 and sends it as ``X-API-Key`` itself.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# Recognized text is untrusted; the page only ever writes it as text, and this policy
# stops any script or style that is not one of our own files should that ever slip.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    """The viewer page."""
    return FileResponse(STATIC_DIR / "index.html", headers=_PAGE_HEADERS)


class _LockedStaticFiles(StaticFiles):
    """Static files with the page's headers: ``index.html`` is one of them, and served from
    ``/static`` it must not run without the policy."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(_PAGE_HEADERS)
        return response


def static_files() -> StaticFiles:
    """The page's scripts and styles, to mount at ``/static``."""
    return _LockedStaticFiles(directory=STATIC_DIR)
