"""Standard reports (工单生成): orders by dimension, SLA compliance, satisfaction, call KPIs.

Each returns a :class:`Report`, which the web layer renders as JSON, CSV, XLSX, a printable
page or PDF. Date ranges are local days (China time, as the order numbers are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import AgentStateLog, CallEventRow, CallRecord, QueueRow
from helpline.adapters.db.tables.people import User
from helpline.adapters.db.tables.workorders import (
    ReasonCodeRow,
    SlaClockRow,
    UnitRow,
    WorkOrderRow,
)
from helpline.adapters.report_render import Report
from helpline.app.reports.call_totals import DEFAULT_SL_SECONDS, call_totals
from helpline.domain.acd import kpis
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import Invalid

OPEN = ("draft", "submitted", "assigned", "accepted", "returned", "in_progress", "replied", "reopened")
CLOSED = ("closed", "visited")
DIMENSIONS = {
    "category": "问题类别 Category",
    "reason": "来电原因 Reason",
    "unit": "承办单位 Department",
    "agent": "首问坐席 Agent",
}
SATISFACTION_NORM = 0.94  # NORMS §6: a month below 94 % satisfied fails


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: dict[str, str]


def period(date_from: date | None, date_to: date | None, *, today: date | None = None) -> Period:
    """Local days [from, to] inclusive; defaults to the last 30 days."""
    today = today or datetime.now(CHINA_TZ).date()
    date_to = date_to or today
    date_from = date_from or date_to - timedelta(days=29)
    if date_from > date_to:
        raise Invalid("invalid_period", "date_from is after date_to", field="date_from")
    start = datetime.combine(date_from, time.min, CHINA_TZ).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, CHINA_TZ).astimezone(UTC)
    return Period(start, end, {"from": date_from.isoformat(), "to": date_to.isoformat()})


def _ratio(part: float, whole: float) -> float | None:
    return _rounded(kpis.share(part, whole), 4)


async def orders_by(session: AsyncSession, tenant_id: str, dimension: str, span: Period) -> Report:
    """Orders accepted in the period, grouped: how many, open, closed, urgent, duplicates,
    satisfaction of those called back."""
    if dimension not in DIMENSIONS:
        raise Invalid("unknown_dimension", f"group by one of {', '.join(DIMENSIONS)}", field="dimension")
    column = {
        "category": WorkOrderRow.category,
        "reason": WorkOrderRow.reason_code,
        "unit": WorkOrderRow.unit_id,
        "agent": WorkOrderRow.first_owner_id,
    }[dimension]
    stmt = (
        select(
            column.label("key"),
            func.count().label("orders"),
            func.sum(case((WorkOrderRow.state.in_(OPEN), 1), else_=0)).label("open"),
            func.sum(case((WorkOrderRow.state.in_(CLOSED), 1), else_=0)).label("closed"),
            func.sum(case((WorkOrderRow.urgent, 1), else_=0)).label("urgent"),
            func.sum(case((WorkOrderRow.state == "merged", 1), else_=0)).label("duplicates"),
            func.avg(WorkOrderRow.satisfaction).label("satisfaction"),
        )
        .where(
            WorkOrderRow.tenant_id == tenant_id,
            WorkOrderRow.created_at >= span.start,
            WorkOrderRow.created_at < span.end,
        )
        .group_by(column)
        .order_by(func.count().desc())
    )
    rows = [dict(r._mapping) for r in (await session.execute(stmt)).all()]
    names = await _names(session, tenant_id, dimension)
    for row in rows:
        row["name"] = names.get(row["key"], row["key"] or "—")
        row["satisfaction"] = round(float(row["satisfaction"]), 2) if row["satisfaction"] else None
        for k in ("open", "closed", "urgent", "duplicates"):
            row[k] = int(row[k] or 0)
    total = sum(r["orders"] for r in rows)
    for row in rows:
        row["share"] = _ratio(row["orders"], total)
    return Report(
        f"orders-by-{dimension}",
        f"工单统计（按{DIMENSIONS[dimension].split()[0]}） Orders by {dimension}",
        [
            ("name", DIMENSIONS[dimension]),
            ("orders", "工单 Orders"),
            ("share", "占比 Share"),
            ("open", "未办结 Open"),
            ("closed", "已办结 Closed"),
            ("urgent", "急件 Urgent"),
            ("duplicates", "重复件 Duplicates"),
            ("satisfaction", "回访满意度 Satisfaction"),
        ],
        rows,
        span.label,
        [f"合计 Total: {total}"],
    )


async def _names(session: AsyncSession, tenant_id: str, dimension: str) -> dict[Any, str]:
    labels = {
        "inquiry": "咨询 inquiry",
        "suggestion": "建议 suggestion",
        "complaint": "投诉 complaint",
        "help": "求助 help",
    }
    if dimension == "category":
        return dict(labels)
    if dimension == "reason":
        rows = await session.execute(
            select(ReasonCodeRow.code, ReasonCodeRow.label).where(ReasonCodeRow.tenant_id == tenant_id)
        )
    elif dimension == "unit":
        rows = await session.execute(select(UnitRow.id, UnitRow.name).where(UnitRow.tenant_id == tenant_id))
    else:
        rows = await session.execute(select(User.id, User.display_name).where(User.tenant_id == tenant_id))
    return {k: v for k, v in rows.all()}


async def sla_compliance(session: AsyncSession, tenant_id: str, span: Period) -> Report:
    """Per kind of deadline: clocks due in the period, met in time, late, still open and overdue."""
    now = datetime.now(UTC)
    met_in_time = case(((SlaClockRow.state == "met") & ~SlaClockRow.breached, 1), else_=0)
    stmt = (
        select(
            SlaClockRow.kind,
            func.count().label("clocks"),
            func.sum(met_in_time).label("in_time"),
            func.sum(case((SlaClockRow.breached, 1), else_=0)).label("breached"),
            func.sum(case((SlaClockRow.state.in_(("running", "paused")), 1), else_=0)).label("open"),
            func.sum(
                case(
                    ((SlaClockRow.state.in_(("running", "paused"))) & (SlaClockRow.due_at < now), 1), else_=0
                )
            ).label("overdue"),
        )
        .where(
            SlaClockRow.tenant_id == tenant_id,
            SlaClockRow.state != "cancelled",
            SlaClockRow.due_at >= span.start,
            SlaClockRow.due_at < span.end,
        )
        .group_by(SlaClockRow.kind)
        .order_by(SlaClockRow.kind)
    )
    rows = []
    for r in (await session.execute(stmt)).all():
        row = {k: int(v or 0) if k != "kind" else v for k, v in r._mapping.items()}
        decided = row["in_time"] + row["breached"]
        row["compliance"] = _ratio(row["in_time"], decided)
        rows.append(row)
    return Report(
        "sla-compliance",
        "时限达标 SLA compliance",
        [
            ("kind", "时限 Deadline"),
            ("clocks", "计时 Clocks"),
            ("in_time", "按时 In time"),
            ("breached", "超时 Breached"),
            ("open", "进行中 Open"),
            ("overdue", "已逾期 Overdue"),
            ("compliance", "达标率 Compliance"),
        ],
        rows,
        span.label,
    )


async def satisfaction(session: AsyncSession, tenant_id: str, span: Period) -> Report:
    """Per agent: callbacks' satisfaction (回访) and callers' key presses after calls (NORMS §6)."""
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
    # the agent the caller rated (the last one on the call: after a transfer, not the first)
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
    by_agent: dict[Any, dict[str, Any]] = {}
    for r in (await session.execute(visits)).all():
        by_agent.setdefault(r.agent, {})["visits"] = int(r.visits)
        by_agent[r.agent]["visit_avg"] = round(float(r.visit_avg), 2)
        by_agent[r.agent]["visit_good"] = int(r.visit_good or 0)
    for r in (await session.execute(surveys)).all():
        by_agent.setdefault(r.agent, {})["surveys"] = int(r.n)
        by_agent[r.agent]["survey_good"] = int(r.good or 0)
    names = await _names(session, tenant_id, "agent")
    rows = []
    for agent, data in by_agent.items():
        rated = data.get("visits", 0) + data.get("surveys", 0)
        good = data.get("visit_good", 0) + data.get("survey_good", 0)
        share = _ratio(good, rated)
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


async def call_kpis(session: AsyncSession, tenant_id: str, span: Period) -> Report:
    """Per queue: offered, answered, abandoned, service level, ASA, AHT (talk+hold+wrap-up)."""
    queues = {
        q.id: q
        for q in (await session.scalars(select(QueueRow).where(QueueRow.tenant_id == tenant_id))).all()
    }
    thresholds = {q.id: q.sl_seconds for q in queues.values()}
    totals = await call_totals(session, tenant_id, thresholds, span.start, span.end)
    scores = await _mean_scores(session, tenant_id, span)
    rows = []
    for queue_id in sorted(totals):
        queue, sums = queues.get(queue_id), totals[queue_id]
        threshold = queue.sl_seconds if queue else DEFAULT_SL_SECONDS
        mean_score = scores.get(queue_id)
        rows.append(
            {
                "queue": queue.name if queue and queue.name else queue_id,
                "offered": sums.offered,
                "answered": sums.answered,
                "abandoned": sums.abandoned,
                "service_level": _rounded(kpis.service_level(sums), 4),
                "abandon_rate": _rounded(kpis.abandon_rate(sums), 4),
                "asa": _rounded(kpis.asa(sums), 1),
                "aht": _rounded(kpis.aht(sums), 1),
                "acw": _rounded(kpis.acw(sums), 1),
                "satisfaction": round(mean_score, 2) if mean_score else None,
                "target": f"{round((queue.sl_target if queue else 0.8) * 100)}%/{threshold:g}s",
            }
        )
    return Report(
        "call-kpis",
        "话务指标 Call KPIs",
        [
            ("queue", "队列 Queue"),
            ("offered", "呼入 Offered"),
            ("answered", "接听 Answered"),
            ("abandoned", "放弃 Abandoned"),
            ("service_level", "服务水平 SL"),
            ("target", "目标 Target"),
            ("abandon_rate", "放弃率 Abandon"),
            ("asa", "平均排队 ASA (s)"),
            ("aht", "平均处理 AHT (s)"),
            ("acw", "话后 ACW (s)"),
            ("satisfaction", "满意度 CSAT"),
        ],
        rows,
        span.label,
    )


async def _mean_scores(session: AsyncSession, tenant_id: str, span: Period) -> dict[str, float]:
    """Per queue, the callers' mean satisfaction key press (1-5)."""
    stmt = (
        select(CallRecord.queue_id, func.avg(CallRecord.satisfaction).label("score"))
        .where(
            CallRecord.tenant_id == tenant_id,
            CallRecord.queue_id.is_not(None),
            CallRecord.satisfaction.is_not(None),
            CallRecord.arrived_at >= span.start,
            CallRecord.arrived_at < span.end,
        )
        .group_by(CallRecord.queue_id)
    )
    return {r.queue_id: float(r.score) for r in (await session.execute(stmt)).all()}


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


ON_CALL_STATES = ("talking", "on_hold", "consulting", "conference")


async def agent_calls(session: AsyncSession, tenant_id: str, span: Period) -> Report:
    """Per agent: calls handled and talk time, each agent credited with their own part.

    Counted from the agents' state log, not from the call records: a call record names the
    agent who answered it (``call_records.agent_id``), but after a transfer (blind or
    attended) the next agent's part is theirs. Each part ends with the agent's move to
    after-call work (``wrap_up``): one handled call; the time in talking, on hold,
    consulting and conference is the agent's talk time (AHT = talk + after-call work).
    """
    on_call = AgentStateLog.old_state.in_(ON_CALL_STATES)
    stmt = (
        select(
            AgentStateLog.agent_id.label("agent"),
            func.sum(case((AgentStateLog.new_state == "wrap_up", 1), else_=0)).label("handled"),
            func.sum(case((on_call, AgentStateLog.duration), else_=0.0)).label("talk"),
            func.sum(case((AgentStateLog.old_state == "wrap_up", AgentStateLog.duration), else_=0.0)).label(
                "wrapup"
            ),
        )
        .where(
            AgentStateLog.tenant_id == tenant_id,
            AgentStateLog.call_id.is_not(None),
            AgentStateLog.at >= span.start,
            AgentStateLog.at < span.end,
        )
        .group_by(AgentStateLog.agent_id)
    )
    names = await _names(session, tenant_id, "agent")
    rows = []
    for r in (await session.execute(stmt)).all():
        handled, talk, wrapup = int(r.handled or 0), float(r.talk or 0.0), float(r.wrapup or 0.0)
        if not handled and not talk:
            continue
        part = kpis.CallTotals(handled=handled, talk=talk, wrapup=wrapup)
        rows.append(
            {
                "agent": names.get(r.agent, r.agent),
                "agent_id": r.agent,
                "handled": handled,
                "talk_seconds": round(talk, 1),
                "att": _rounded(kpis.att(part), 1),
                "aht": _rounded(kpis.aht(part), 1),
            }
        )
    rows.sort(key=lambda row: (-row["handled"], row["agent"]))
    return Report(
        "agent-calls",
        "坐席话务 Agent calls",
        [
            ("agent", "坐席 Agent"),
            ("handled", "处理 Handled"),
            ("talk_seconds", "通话 Talk (s)"),
            ("att", "平均通话 ATT (s)"),
            ("aht", "平均处理 AHT (s)"),
        ],
        rows,
        span.label,
        ["转接后各坐席只计自己的部分 (after a transfer each agent is credited with their own part)."],
    )


__all__ = [
    "DIMENSIONS",
    "Period",
    "agent_calls",
    "call_kpis",
    "orders_by",
    "period",
    "satisfaction",
    "sla_compliance",
]


async def overdue(session: AsyncSession, tenant_id: str, span: Period) -> Report:
    """The overdue list: open deadlines past due (or breached), the most overdue first."""
    from helpline.app.workorders import queries as wo_queries

    now = datetime.now(UTC).timestamp()
    items = await wo_queries.due_clocks(session, tenant_id, now, overdue_only=True)
    rows = [
        {
            "number": i["order"].get("number"),
            "title": i["order"].get("title"),
            "state": i["order"].get("state"),
            "kind": i["clock"].get("kind"),
            "due_at": i["clock"].get("due"),
            "overdue_minutes": round(i["overdue_seconds"] / 60, 1),
        }
        for i in items
    ]
    rows.sort(key=lambda r: -r["overdue_minutes"])
    return Report(
        "overdue",
        "超时工单 Overdue orders",
        [
            ("number", "工单号 Number"),
            ("title", "标题 Title"),
            ("state", "状态 State"),
            ("kind", "时限 Deadline"),
            ("due_at", "到期 Due"),
            ("overdue_minutes", "超时(分) Overdue min"),
        ],
        rows,
        {"as of": datetime.now(CHINA_TZ).strftime("%Y-%m-%d %H:%M")},
    )
