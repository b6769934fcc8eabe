"""Request metrics (Prometheus) and request logs (structlog), as one plain ASGI middleware.

Labels use the route template (``/api/v1/users/{user_id}``), never the raw path, so the number
of series stays bounded.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

QUIET_ROUTES = frozenset({"/healthz", "/metrics"})


class HttpMetrics:
    """The HTTP series, registered on the app's own registry (tests build many apps)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "helpline_http_requests",
            "HTTP requests handled",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "helpline_http_request_duration_seconds",
            "Time to handle an HTTP request",
            ["method", "route", "status"],
            registry=registry,
        )


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    return str(getattr(route, "path", None) or "<unmatched>")


class ObservabilityMiddleware:
    """Counts, times and logs each HTTP request; adds an ``X-Request-ID`` header."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = structlog.get_logger("helpline.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        status = 500
        started = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_status)
            finally:
                elapsed = time.perf_counter() - started
                route = _route_template(scope)
                method = scope["method"]
                labels = {"method": method, "route": route, "status": str(status)}
                self.metrics.requests.labels(**labels).inc()
                self.metrics.latency.labels(**labels).observe(elapsed)
                log = self.log.debug if route in QUIET_ROUTES else self.log.info
                log(
                    "http_request",
                    method=method,
                    path=scope["path"],
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
