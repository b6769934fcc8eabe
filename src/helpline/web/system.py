"""Operational endpoints: health for load balancers, metrics for Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from helpline import __version__
from helpline.web.deps import ContainerDep

router = APIRouter(tags=["system"])


@router.get("/healthz")
async def healthz(container: ContainerDep) -> JSONResponse:
    """200 when the database answers ``SELECT 1``, 503 otherwise."""
    database, status = ("ok", 200) if await container.database_answers() else ("error", 503)
    body = {"status": "ok" if status == 200 else "degraded", "version": __version__}
    return JSONResponse({**body, "database": database}, status_code=status)


@router.get("/metrics", include_in_schema=False)
async def metrics(container: ContainerDep) -> Response:
    return Response(generate_latest(container.metrics), media_type=CONTENT_TYPE_LATEST)
