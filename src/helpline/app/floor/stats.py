"""The wallboard's per-queue figures that the live core does not hold: service level today and
in the last 30 minutes, and abandonment today, from the call records.

They are the call-KPI report's totals and definitions (:mod:`helpline.domain.acd.kpis`), over
a shorter window: the wallboard and the report cannot disagree about what a figure means.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import QueueRow
from helpline.app.floor.views import today_start
from helpline.app.reports.call_totals import call_totals
from helpline.app.timefmt import as_datetime
from helpline.domain.acd import kpis
from helpline.domain.acd.kpis import CallTotals

RECENT = timedelta(minutes=30)


def _figures(totals: CallTotals) -> dict[str, Any]:
    sl, abandon = kpis.service_level(totals), kpis.abandon_rate(totals)
    return {
        "offered": totals.offered,
        "answered": totals.answered,
        "within": totals.answered_within_sl,
        "abandoned": totals.abandoned,
        "service_level": None if sl is None else round(sl, 4),
        "abandon_rate": None if abandon is None else round(abandon, 4),
    }


async def _window(
    session: AsyncSession, tenant_id: str, since: datetime, thresholds: dict[str, float]
) -> dict[str, dict[str, Any]]:
    totals = await call_totals(session, tenant_id, thresholds, since)
    return {queue_id: _figures(sums) for queue_id, sums in totals.items()}


async def queue_stats(session: AsyncSession, tenant_id: str, now: float) -> list[dict[str, Any]]:
    queues = (
        await session.scalars(select(QueueRow).where(QueueRow.tenant_id == tenant_id).order_by(QueueRow.id))
    ).all()
    thresholds = {q.id: q.sl_seconds for q in queues}
    today = await _window(session, tenant_id, today_start(now), thresholds)
    recent = await _window(session, tenant_id, as_datetime(now) - RECENT, thresholds)
    empty = _figures(CallTotals())
    return [
        {
            "queue_id": q.id,
            "sl_target": q.sl_target,
            "sl_seconds": q.sl_seconds,
            "today": today.get(q.id, empty),
            "last_30m": recent.get(q.id, empty),
        }
        for q in queues
    ]
