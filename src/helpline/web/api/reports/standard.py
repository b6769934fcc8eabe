"""Reports: JSON for screens; CSV and XLSX to export; HTML to print; PDF to file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from helpline.app.reports import standard as reports
from helpline.app.reports.ports import Renderer, ReportsUnit
from helpline.app.reports.report import FORMATS, Report
from helpline.web.api.acd.deps import Leader
from helpline.web.deps import ContainerDep, UnitDep

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Format = Annotated[str, Query(pattern=f"^({'|'.join(FORMATS)})$")]
Builder = Callable[[ReportsUnit, reports.Period, float], Awaitable[Report]]
BY_NAME: dict[str, Builder] = {
    "sla-compliance": reports.sla_compliance,
    "satisfaction": reports.satisfaction,
    "call-kpis": reports.call_kpis,
    "agent-calls": reports.agent_calls,
    "overdue": reports.overdue,
}


def _send(renderer: Renderer, report: Report, fmt: str) -> Response:
    data, media_type = renderer.render(report, fmt)
    headers = {}
    if fmt not in ("json", "html"):
        headers["Content-Disposition"] = f'attachment; filename="{report.key}.{fmt}"'
    return Response(data, media_type=media_type, headers=headers)


@router.get("/orders-by/{dimension}")
async def orders_by(
    dimension: str,
    actor: Leader,
    uow: UnitDep,
    container: ContainerDep,
    date_from: date | None = None,
    date_to: date | None = None,
    format: Format = "json",
) -> Response:
    """Orders by category, reason, unit (department) or agent."""
    span = reports.period(date_from, date_to, now=container.clock.now())
    return _send(container.report_renderer, await reports.orders_by(uow, dimension, span), format)


@router.get("/{name}")
async def standard_report(
    name: Literal["sla-compliance", "satisfaction", "call-kpis", "agent-calls", "overdue"],
    actor: Leader,
    uow: UnitDep,
    container: ContainerDep,
    date_from: date | None = None,
    date_to: date | None = None,
    format: Format = "json",
) -> Response:
    """SLA compliance per deadline kind, satisfaction per agent (norm 94 %), call KPIs per queue,
    calls and talk time per agent."""
    now = container.clock.now()
    span = reports.period(date_from, date_to, now=now)
    return _send(container.report_renderer, await BY_NAME[name](uow, span, now), format)
