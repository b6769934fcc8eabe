"""The browser UI: static HTML, ES modules and CSS under ``/ui``, served by the platform itself.

There is no build step: the files in ``web/ui/`` are what the browser loads. ``/`` sends the
visitor to the sign-in page, which sends agents to the desktop and leaders to the wallboard.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

UI_DIR = Path(__file__).parent / "ui"
UI_PREFIX = "/ui"
LOGIN_PAGE = f"{UI_PREFIX}/login.html"

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
async def root() -> RedirectResponse:
    return RedirectResponse(LOGIN_PAGE, status_code=307)


@router.api_route(UI_PREFIX, methods=["GET", "HEAD"])
@router.api_route(f"{UI_PREFIX}/", methods=["GET", "HEAD"])
async def ui_root() -> RedirectResponse:
    return RedirectResponse(LOGIN_PAGE, status_code=307)


class UiFiles(StaticFiles):
    """Static files that the browser revalidates on every load (ETag, so usually a 304):
    an upgraded server is never shown through a stale cached module."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


def mount_ui(app: FastAPI) -> None:
    """Serve the UI from ``app``: the redirects above and the static files under ``/ui``."""
    app.include_router(router)
    app.mount(UI_PREFIX, UiFiles(directory=UI_DIR, html=True), name="ui")
