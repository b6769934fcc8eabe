"""Call reports: the call KPIs per queue and each agent's own part of the calls they handled.

The figures are the domain's one definition (:mod:`helpline.domain.acd.kpis`, ADR 0007).
"""

from __future__ import annotations

from typing import Any

from helpline.app.reports.period import Period, key_names, rounded
from helpline.app.reports.ports import ReportsUnit
from helpline.app.reports.report import Report
from helpline.domain.acd import kpis

DEFAULT_SL_SECONDS = 20.0


async def call_kpis(uow: ReportsUnit, span: Period, now: float) -> Report:
    """Per queue: offered, answered, abandoned, service level, ASA, AHT (talk+hold+wrap-up)."""
    queues = {q.id: q for q in await uow.reports.queues()}
    thresholds = {q.id: q.sl_seconds for q in queues.values()}
    totals = await uow.reports.call_totals(thresholds, span.start, span.end)
    scores = await uow.reports.mean_scores(span.start, span.end)
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


async def agent_calls(uow: ReportsUnit, span: Period, now: float) -> Report:
    """Per agent: calls handled and talk time, each agent credited with their own part.

    Counted from the agents' state log, not from the call records: a call record names the
    agent who answered it (``call_records.agent_id``), but after a transfer (blind or
    attended) the next agent's part is theirs. Each part ends with the agent's move to
    after-call work (``wrap_up``): one handled call; the time in talking, on hold,
    consulting and conference is the agent's talk time (AHT = talk + after-call work).
    """
    names = await key_names(uow.reports, "agent")
    rows: list[dict[str, Any]] = []
    for part in await uow.reports.agent_parts(span.start, span.end):
        handled, talk, wrapup = part.handled, part.talk, part.wrapup
        if not handled and not talk:
            continue
        totals = kpis.CallTotals(handled=handled, talk=talk, wrapup=wrapup)
        rows.append(
            {
                "agent": names.get(part.agent_id, part.agent_id),
                "agent_id": part.agent_id,
                "handled": handled,
                "talk_seconds": round(talk, 1),
                "att": rounded(kpis.att(totals), 1),
                "aht": rounded(kpis.aht(totals), 1),
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
