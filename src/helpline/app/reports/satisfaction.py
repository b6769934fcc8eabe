"""The satisfaction report (NORMS §6): callbacks (回访) and callers' key presses, per agent."""

from __future__ import annotations

from typing import Any

from helpline.app.reports.period import Period, key_names, ratio
from helpline.app.reports.ports import ReportsUnit
from helpline.app.reports.report import Report

SATISFACTION_NORM = 0.94  # NORMS §6: a month below 94 % satisfied fails


async def satisfaction(uow: ReportsUnit, span: Period, now: float) -> Report:
    """Per agent: callbacks' satisfaction (回访) of the orders each agent first took, and
    callers' key presses after calls, credited to the agent they rated (NORMS §6)."""
    by_agent: dict[Any, dict[str, Any]] = {}
    for found in (
        *await uow.reports.visits(span.start, span.end),
        *await uow.reports.surveys(span.start, span.end),
    ):
        by_agent.setdefault(found["agent"], {}).update({k: v for k, v in found.items() if k != "agent"})
    names = await key_names(uow.reports, "agent")
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
