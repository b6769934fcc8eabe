"""Reports: JSON for screens; CSV and XLSX to export; HTML to print; PDF to file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.report_render import FORMATS, Report, render
from helpline.app.reports import standard as reports
from helpline.web.api.acd.deps import Leader
from helpline.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Format = Annotated[str, Query(pattern=f"^({'|'.join(FORMATS)})$")]
Builder = Callable[[AsyncSession, str, reports.Period], Awaitable[Report]]
BY_NAME: dict[str, Builder] = {
    "sla-compliance": reports.sla_compliance,
    "satisfaction": reports.satisfaction,
    "call-kpis": reports.call_kpis,
    "agent-calls": reports.agent_calls,
    "overdue": reports.overdue,
}


def _send(report: Report, fmt: str) -> Response:
    data, media_type = render(report, fmt)
    headers = {}
    if fmt not in ("json", "html"):
        headers["Content-Disposition"] = f'attachment; filename="{report.key}.{fmt}"'
    return Response(data, media_type=media_type, headers=headers)


@router.get("/orders-by/{dimension}")
async def orders_by(
    dimension: str,
    actor: Leader,
    session: SessionDep,
    date_from: date | None = None,
    date_to: date | None = None,
    format: Format = "json",
) -> Response:
    """Orders by category, reason, unit (department) or agent."""
    span = reports.period(date_from, date_to)
    return _send(await reports.orders_by(session, actor.tenant_id, dimension, span), format)


@router.get("/{name}")
async def standard_report(
    name: Literal["sla-compliance", "satisfaction", "call-kpis", "agent-calls", "overdue"],
    actor: Leader,
    session: SessionDep,
    date_from: date | None = None,
    date_to: date | None = None,
    format: Format = "json",
) -> Response:
    """SLA compliance per deadline kind, satisfaction per agent (norm 94 %), call KPIs per queue,
    calls and talk time per agent."""
    span = reports.period(date_from, date_to)
    return _send(await BY_NAME[name](session, actor.tenant_id, span), format)
