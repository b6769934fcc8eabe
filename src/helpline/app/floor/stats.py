"""The wallboard's per-queue figures that the live core does not hold: service level today and
in the last 30 minutes, and abandonment today, from the call records.

They are the call-KPI report's totals and definitions (:mod:`helpline.domain.acd.kpis`), over
a shorter window: the wallboard and the report cannot disagree about what a figure means.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from helpline.app.floor.views import today_start
from helpline.app.reports.ports import ReportQueries, ReportsUnit
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
    reads: ReportQueries, since: datetime, thresholds: dict[str, float]
) -> dict[str, dict[str, Any]]:
    totals = await reads.call_totals(thresholds, since)
    return {queue_id: _figures(sums) for queue_id, sums in totals.items()}


async def queue_stats(uow: ReportsUnit, now: float) -> list[dict[str, Any]]:
    queues = await uow.reports.queues()
    thresholds = {q.id: q.sl_seconds for q in queues}
    today = await _window(uow.reports, today_start(now), thresholds)
    recent = await _window(uow.reports, as_datetime(now) - RECENT, thresholds)
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
