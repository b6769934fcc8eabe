"""The FastAPI application: ``create_app(settings)`` builds it, the lifespan owns the Container."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from helpline import __version__
from helpline.bootstrap import build_container
from helpline.config import Settings, load_settings
from helpline.logs import configure_logging
from helpline.web import system, ui_routes
from helpline.web.api import routers
from helpline.web.errors import install_error_handlers
from helpline.web.middleware import HttpMetrics, ObservabilityMiddleware


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new application; nothing is shared between two of them (tests build many)."""
    settings = settings or load_settings()
    configure_logging(settings)
    registry = CollectorRegistry()
    log = structlog.get_logger("helpline.web")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await build_container(settings, metrics=registry)
        app.state.container = container
        await container.go_live()
        log.info("app_started", database=container.engine.url.render_as_string())
        try:
            yield
        finally:
            await container.aclose()
            log.info("app_stopped")

    app = FastAPI(
        title="Helpline",
        version=__version__,
        description="Open-source contact center",
        docs_url="/docs",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(ObservabilityMiddleware, metrics=HttpMetrics(registry))
    app.include_router(system.router)
    for router in routers:
        app.include_router(router)
    ui_routes.mount_ui(app)
    return app
