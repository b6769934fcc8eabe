"""The call side of the reports' reads: call records and the agents' state log, added up per
queue or per agent (counts and sums only: the figures are the domain's, ADR 0007)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import AgentStateLog, CallEventRow, CallRecord, QueueRow
from helpline.app.reports.ports import AgentPart, QueueFacts
from helpline.domain.acd.agent import IN_CONVERSATION
from helpline.domain.acd.kpis import CallTotals
from helpline.domain.acd.queue import ExitAction

DEFAULT_SL_SECONDS = 20.0
EXIT_OUTCOMES = tuple(a.value for a in ExitAction if a is not ExitAction.QUEUE)
ON_CALL_STATES = tuple(sorted(state.value for state in IN_CONVERSATION))  # talk time, in the state log


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


class SqlCallReports:
    session: AsyncSession
    tenant_id: str

    async def queues(self) -> Sequence[QueueFacts]:
        rows = await self.session.scalars(
            select(QueueRow).where(QueueRow.tenant_id == self.tenant_id).order_by(QueueRow.id)
        )
        return [QueueFacts(q.id, q.name, q.sl_target, q.sl_seconds) for q in rows]

    async def call_totals(
        self, thresholds: Mapping[str, float], since: datetime, until: datetime | None = None
    ) -> dict[str, CallTotals]:
        """A handled call is an answered call that has ended (its talk time is known); its
        after-call work is what the agents logged against it so far."""
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
                CallRecord.tenant_id == self.tenant_id,
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
            for r in (await self.session.execute(stmt)).all()
        }

    async def mean_scores(self, since: datetime, until: datetime) -> dict[str, float]:
        stmt = (
            select(CallRecord.queue_id, func.avg(CallRecord.satisfaction).label("score"))
            .where(
                CallRecord.tenant_id == self.tenant_id,
                CallRecord.queue_id.is_not(None),
                CallRecord.satisfaction.is_not(None),
                CallRecord.arrived_at >= since,
                CallRecord.arrived_at < until,
            )
            .group_by(CallRecord.queue_id)
        )
        return {r.queue_id: float(r.score) for r in (await self.session.execute(stmt)).all()}

    async def agent_parts(self, since: datetime, until: datetime) -> Sequence[AgentPart]:
        """Each part ends with the agent's move to after-call work (``wrap_up``): one handled
        call; the time talking, on hold, consulting and in conference is the agent's talk."""
        on_call = AgentStateLog.old_state.in_(ON_CALL_STATES)
        wrapping = AgentStateLog.old_state == "wrap_up"
        stmt = (
            select(
                AgentStateLog.agent_id.label("agent"),
                func.sum(case((AgentStateLog.new_state == "wrap_up", 1), else_=0)).label("handled"),
                func.sum(case((on_call, AgentStateLog.duration), else_=0.0)).label("talk"),
                func.sum(case((wrapping, AgentStateLog.duration), else_=0.0)).label("wrapup"),
            )
            .where(
                AgentStateLog.tenant_id == self.tenant_id,
                AgentStateLog.call_id.is_not(None),
                AgentStateLog.at >= since,
                AgentStateLog.at < until,
            )
            .group_by(AgentStateLog.agent_id)
        )
        return [
            AgentPart(r.agent, int(r.handled or 0), float(r.talk or 0.0), float(r.wrapup or 0.0))
            for r in (await self.session.execute(stmt)).all()
        ]

    async def surveys(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Callers' key presses, credited to the agent they rated (the last one on the call:
        after a transfer, not the first)."""
        rated = CallEventRow.agent_id
        stmt = (
            select(
                rated.label("agent"),
                func.count(CallRecord.satisfaction).label("surveys"),
                func.sum(case((CallRecord.satisfaction >= 4, 1), else_=0)).label("survey_good"),
            )
            .join(
                CallEventRow,
                (CallEventRow.tenant_id == CallRecord.tenant_id)
                & (CallEventRow.call_id == CallRecord.id)
                & (CallEventRow.type == "satisfaction_rated"),
            )
            .where(
                CallRecord.tenant_id == self.tenant_id,
                CallRecord.satisfaction.is_not(None),
                CallRecord.arrived_at >= since,
                CallRecord.arrived_at < until,
            )
            .group_by(rated)
        )
        return [
            {"agent": r.agent, "surveys": int(r.surveys), "survey_good": int(r.survey_good or 0)}
            for r in (await self.session.execute(stmt)).all()
        ]
