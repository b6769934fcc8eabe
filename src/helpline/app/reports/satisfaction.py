"""The satisfaction report (NORMS §6): callbacks (回访) and callers' key presses, per agent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import CallEventRow, CallRecord
from helpline.adapters.db.tables.workorders import (
    WorkOrderRow,
)
from helpline.adapters.report_render import Report
from helpline.app.reports.period import Period, key_names, ratio

SATISFACTION_NORM = 0.94  # NORMS §6: a month below 94 % satisfied fails


async def satisfaction(session: AsyncSession, tenant_id: str, span: Period) -> Report:
    """Per agent: callbacks' satisfaction (回访) and callers' key presses after calls (NORMS §6)."""
    by_agent: dict[Any, dict[str, Any]] = {}
    await _add_visits(session, tenant_id, span, by_agent)
    await _add_surveys(session, tenant_id, span, by_agent)
    names = await key_names(session, tenant_id, "agent")
    rows = []
    for agent, data in by_agent.items():
        rated = data.get("visits", 0) + data.get("surveys", 0)
        good = data.get("visit_good", 0) + data.get("survey_good", 0)
        share = ratio(good, rated)
        rows.append(
            {
                "agent": names.get(agent, agent or "—"),
                **data,
                "satisfied": share,
                "meets_norm": "是 yes" if share is not None and share >= SATISFACTION_NORM else "否 no",
            }
        )
    rows.sort(key=lambda r: (r["satisfied"] is None, -(r["satisfied"] or 0)))
    return Report(
        "satisfaction",
        "满意度 Satisfaction",
        [
            ("agent", "坐席 Agent"),
            ("visits", "回访 Callbacks"),
            ("visit_avg", "回访均分 Avg"),
            ("surveys", "按键评价 Surveys"),
            ("satisfied", "满意率 Satisfied"),
            ("meets_norm", "达标(≥94%) Meets norm"),
        ],
        rows,
        span.label,
        ["满意 = 4 或 5 分 (satisfied = a score of 4 or 5); 月满意度低于 94% 为不合格。"],
    )


async def _add_visits(
    session: AsyncSession, tenant_id: str, span: Period, by_agent: dict[Any, dict[str, Any]]
) -> None:
    """Callbacks (回访) of the orders each agent first took, with their scores."""
    visits = (
        select(
            WorkOrderRow.first_owner_id.label("agent"),
            func.count(WorkOrderRow.satisfaction).label("visits"),
            func.avg(WorkOrderRow.satisfaction).label("visit_avg"),
            func.sum(case((WorkOrderRow.satisfaction >= 4, 1), else_=0)).label("visit_good"),
        )
        .where(
            WorkOrderRow.tenant_id == tenant_id,
            WorkOrderRow.satisfaction.is_not(None),
            WorkOrderRow.created_at >= span.start,
            WorkOrderRow.created_at < span.end,
        )
        .group_by(WorkOrderRow.first_owner_id)
    )
    for r in (await session.execute(visits)).all():
        by_agent.setdefault(r.agent, {})["visits"] = int(r.visits)
        by_agent[r.agent]["visit_avg"] = round(float(r.visit_avg), 2)
        by_agent[r.agent]["visit_good"] = int(r.visit_good or 0)


async def _add_surveys(
    session: AsyncSession, tenant_id: str, span: Period, by_agent: dict[Any, dict[str, Any]]
) -> None:
    """Callers' key presses, credited to the agent they rated (the last one on the call: after
    a transfer, not the first)."""
    rated = CallEventRow.agent_id
    surveys = (
        select(
            rated.label("agent"),
            func.count(CallRecord.satisfaction).label("n"),
            func.sum(case((CallRecord.satisfaction >= 4, 1), else_=0)).label("good"),
        )
        .join(
            CallEventRow,
            (CallEventRow.tenant_id == CallRecord.tenant_id)
            & (CallEventRow.call_id == CallRecord.id)
            & (CallEventRow.type == "satisfaction_rated"),
        )
        .where(
            CallRecord.tenant_id == tenant_id,
            CallRecord.satisfaction.is_not(None),
            CallRecord.arrived_at >= span.start,
            CallRecord.arrived_at < span.end,
        )
        .group_by(rated)
    )
    for r in (await session.execute(surveys)).all():
        by_agent.setdefault(r.agent, {})["surveys"] = int(r.n)
        by_agent[r.agent]["survey_good"] = int(r.good or 0)
