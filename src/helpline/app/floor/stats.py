"""The wallboard's per-queue figures that the live core does not hold: service level today and
in the last 30 minutes, and abandonment today, from the call records (the same definitions
as the call-KPI report: SL = answered within the queue's threshold / calls offered)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import CallRecord, QueueRow
from helpline.app.floor.views import today_start
from helpline.app.timefmt import as_datetime

RECENT = timedelta(minutes=30)


async def _window(
    session: AsyncSession, tenant_id: str, since: datetime, thresholds: dict[str, float]
) -> dict[str, dict[str, Any]]:
    answered = CallRecord.answered_at.is_not(None)
    threshold = (
        case(*((CallRecord.queue_id == q, s) for q, s in thresholds.items()), else_=20.0)
        if thresholds
        else 20.0
    )
    rows = await session.execute(
        select(
            CallRecord.queue_id,
            func.count().label("offered"),
            func.sum(case((answered, 1), else_=0)).label("answered"),
            func.sum(case((answered & (CallRecord.wait_seconds <= threshold), 1), else_=0)).label("within"),
            func.sum(case((CallRecord.outcome == "abandoned", 1), else_=0)).label("abandoned"),
        )
        .where(
            CallRecord.tenant_id == tenant_id,
            CallRecord.queue_id.is_not(None),
            CallRecord.arrived_at >= since,
        )
        .group_by(CallRecord.queue_id)
    )
    out: dict[str, dict[str, Any]] = {}
    for r in rows.all():
        offered = int(r.offered)
        within, abandoned = int(r.within or 0), int(r.abandoned or 0)
        out[r.queue_id] = {
            "offered": offered,
            "answered": int(r.answered or 0),
            "within": within,
            "abandoned": abandoned,
            "service_level": round(within / offered, 4) if offered else None,
            "abandon_rate": round(abandoned / offered, 4) if offered else None,
        }
    return out


async def queue_stats(session: AsyncSession, tenant_id: str, now: float) -> list[dict[str, Any]]:
    queues = (
        await session.scalars(select(QueueRow).where(QueueRow.tenant_id == tenant_id).order_by(QueueRow.id))
    ).all()
    thresholds = {q.id: q.sl_seconds for q in queues}
    today = await _window(session, tenant_id, today_start(now), thresholds)
    recent = await _window(session, tenant_id, as_datetime(now) - RECENT, thresholds)
    empty = {
        "offered": 0,
        "answered": 0,
        "within": 0,
        "abandoned": 0,
        "service_level": None,
        "abandon_rate": None,
    }
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
