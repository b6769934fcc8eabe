"""Call reports: the call KPIs per queue and each agent's own part of the calls they handled.

The figures are the domain's one definition (:mod:`helpline.domain.acd.kpis`, ADR 0007).
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import AgentStateLog, CallRecord, QueueRow
from helpline.adapters.report_render import Report
from helpline.app.reports.call_totals import DEFAULT_SL_SECONDS, call_totals
from helpline.app.reports.period import Period, key_names, rounded
from helpline.domain.acd import kpis

ON_CALL_STATES = ("talking", "on_hold", "consulting", "conference")


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
                "service_level": rounded(kpis.service_level(sums), 4),
                "abandon_rate": rounded(kpis.abandon_rate(sums), 4),
                "asa": rounded(kpis.asa(sums), 1),
                "aht": rounded(kpis.aht(sums), 1),
                "acw": rounded(kpis.acw(sums), 1),
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
    names = await key_names(session, tenant_id, "agent")
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
                "att": rounded(kpis.att(part), 1),
                "aht": rounded(kpis.aht(part), 1),
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
