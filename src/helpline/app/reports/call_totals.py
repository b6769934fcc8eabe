"""The call records added up per queue: the counts and sums the call KPIs are made of.

The database only counts and sums; the figures are computed from the totals by the domain's
one definition (:mod:`helpline.domain.acd.kpis`), so the call-KPI report and the wallboard
agree with each other and with the simulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import CallRecord
from helpline.domain.acd.kpis import CallTotals
from helpline.domain.acd.queue import ExitAction

DEFAULT_SL_SECONDS = 20.0
EXIT_OUTCOMES = tuple(a.value for a in ExitAction if a is not ExitAction.QUEUE)


def _threshold(thresholds: Mapping[str, float]) -> Any:
    """Each queue's service-level threshold, as a SQL expression over the record's queue."""
    if not thresholds:
        return DEFAULT_SL_SECONDS
    pairs = ((CallRecord.queue_id == q, seconds) for q, seconds in thresholds.items())
    return case(*pairs, else_=DEFAULT_SL_SECONDS)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


async def call_totals(
    session: AsyncSession,
    tenant_id: str,
    thresholds: Mapping[str, float],
    since: datetime,
    until: datetime | None = None,
) -> dict[str, CallTotals]:
    """Per queue, the calls that arrived in ``[since, until)`` added up.

    A handled call is an answered call that has ended (its talk time is known); its
    after-call work is what the agents logged against it so far.
    """
    answered = CallRecord.answered_at.is_not(None)
    handled = answered & CallRecord.talk_seconds.is_not(None)
    stmt = (
        select(
            CallRecord.queue_id,
            func.count().label("offered"),
            _count(answered).label("answered"),
            _count(answered & (CallRecord.wait_seconds <= _threshold(thresholds))).label("within"),
            _count(CallRecord.outcome == "abandoned").label("abandoned"),
            _count(CallRecord.outcome.in_(EXIT_OUTCOMES)).label("exited"),
            _total(answered, func.coalesce(CallRecord.wait_seconds, 0.0)).label("wait"),
            _count(handled).label("handled"),
            _total(handled, CallRecord.talk_seconds).label("talk"),
            _total(handled, func.coalesce(CallRecord.wrapup_seconds, 0.0)).label("wrapup"),
        )
        .where(
            CallRecord.tenant_id == tenant_id,
            CallRecord.queue_id.is_not(None),
            CallRecord.arrived_at >= since,
        )
        .group_by(CallRecord.queue_id)
    )
    if until is not None:
        stmt = stmt.where(CallRecord.arrived_at < until)
    return {
        r.queue_id: CallTotals(
            offered=int(r.offered),
            answered=int(r.answered),
            answered_within_sl=int(r.within),
            abandoned=int(r.abandoned),
            exited=int(r.exited),
            wait_answered=float(r.wait),
            handled=int(r.handled),
            talk=float(r.talk),
            wrapup=float(r.wrapup),
        )
        for r in (await session.execute(stmt)).all()
    }
