"""The reports' reads in memory (the port ``helpline.app.reports.ports.ReportQueries``), over
facts a test puts in: the same counts and sums the database makes."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from helpline.app.reports.ports import AgentPart, QueueFacts
from helpline.domain.acd.agent import IN_CONVERSATION
from helpline.domain.acd.kpis import CallTotals
from helpline.domain.acd.queue import ExitAction

DEFAULT_SL_SECONDS = 20.0
EXITS = {a.value for a in ExitAction if a is not ExitAction.QUEUE}
TALK_STATES = {s.value for s in IN_CONVERSATION}
OPEN = {"draft", "submitted", "assigned", "accepted", "returned", "in_progress", "replied", "reopened"}


@dataclass(frozen=True)
class CallFact:
    id: str
    queue_id: str | None
    arrived_at: datetime
    answered: bool = False
    wait: float | None = None
    talk: float | None = None
    wrapup: float | None = None
    outcome: str = "completed"
    satisfaction: int | None = None
    rated_agent: str | None = None  # who the caller's key press rated (the last agent on the call)


@dataclass(frozen=True)
class StateChange:
    agent_id: str
    at: datetime
    old_state: str
    new_state: str
    duration: float
    call_id: str | None = "c"


@dataclass(frozen=True)
class OrderFact:
    id: str
    created_at: datetime
    state: str = "submitted"
    category: str | None = None
    first_owner_id: str | None = None
    urgent: bool = False
    satisfaction: int | None = None


@dataclass
class ReportTables:
    queues: dict[str, list[QueueFacts]] = field(default_factory=lambda: defaultdict(list))
    calls: dict[str, list[CallFact]] = field(default_factory=lambda: defaultdict(list))
    states: dict[str, list[StateChange]] = field(default_factory=lambda: defaultdict(list))
    orders: dict[str, list[OrderFact]] = field(default_factory=lambda: defaultdict(list))
    names: dict[str, dict[str, dict[Any, str]]] = field(default_factory=lambda: defaultdict(dict))
    clocks: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    overdue: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


class FakeReportQueries:
    def __init__(self, tables: ReportTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def queues(self) -> Sequence[QueueFacts]:
        return sorted(self.tables.queues[self.tenant_id], key=lambda q: q.id)

    async def call_totals(
        self, thresholds: Mapping[str, float], since: datetime, until: datetime | None = None
    ) -> dict[str, CallTotals]:
        sums: dict[str, Counter[str]] = defaultdict(Counter)
        for c in self.tables.calls[self.tenant_id]:
            if c.queue_id is None or c.arrived_at < since or (until is not None and c.arrived_at >= until):
                continue
            s, handled = sums[c.queue_id], c.answered and c.talk is not None
            s["offered"] += 1
            s["answered"] += c.answered
            s["within"] += c.answered and (c.wait or 0.0) <= thresholds.get(c.queue_id, DEFAULT_SL_SECONDS)
            s["abandoned"] += c.outcome == "abandoned"
            s["exited"] += c.outcome in EXITS
            s["wait"] += (c.wait or 0.0) if c.answered else 0.0
            s["handled"] += handled
            s["talk"] += (c.talk or 0.0) if handled else 0.0
            s["wrapup"] += (c.wrapup or 0.0) if handled else 0.0
        return {
            q: CallTotals(
                offered=s["offered"],
                answered=s["answered"],
                answered_within_sl=s["within"],
                abandoned=s["abandoned"],
                exited=s["exited"],
                wait_answered=float(s["wait"]),
                handled=s["handled"],
                talk=float(s["talk"]),
                wrapup=float(s["wrapup"]),
            )
            for q, s in sums.items()
        }

    async def mean_scores(self, since: datetime, until: datetime) -> dict[str, float]:
        scores: dict[str, list[int]] = defaultdict(list)
        for c in self.tables.calls[self.tenant_id]:
            if c.queue_id and c.satisfaction is not None and since <= c.arrived_at < until:
                scores[c.queue_id].append(c.satisfaction)
        return {q: sum(v) / len(v) for q, v in scores.items()}

    async def agent_parts(self, since: datetime, until: datetime) -> Sequence[AgentPart]:
        parts: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        for s in self.tables.states[self.tenant_id]:
            if s.call_id is None or not since <= s.at < until:
                continue
            part = parts[s.agent_id]
            part[0] += s.new_state == "wrap_up"
            part[1] += s.duration if s.old_state in TALK_STATES else 0.0
            part[2] += s.duration if s.old_state == "wrap_up" else 0.0
        return [AgentPart(a, int(p[0]), p[1], p[2]) for a, p in parts.items()]

    async def names(self, dimension: str) -> dict[Any, str]:
        return dict(self.tables.names[self.tenant_id].get(dimension, {}))

    async def orders_by(self, dimension: str, since: datetime, until: datetime) -> list[dict[str, Any]]:
        key_of = {"category": "category", "agent": "first_owner_id"}[dimension]
        groups: dict[Any, list[OrderFact]] = defaultdict(list)
        for o in self.tables.orders[self.tenant_id]:
            if since <= o.created_at < until:
                groups[getattr(o, key_of)].append(o)
        rows = []
        for key, orders in groups.items():
            scores = [o.satisfaction for o in orders if o.satisfaction is not None]
            rows.append(
                {
                    "key": key,
                    "orders": len(orders),
                    "open": sum(o.state in OPEN for o in orders),
                    "closed": sum(o.state in ("closed", "visited") for o in orders),
                    "urgent": sum(o.urgent for o in orders),
                    "duplicates": sum(o.state == "merged" for o in orders),
                    "satisfaction": sum(scores) / len(scores) if scores else None,
                }
            )
        return sorted(rows, key=lambda r: -r["orders"])

    async def sla_clocks(self, since: datetime, until: datetime, now: datetime) -> list[dict[str, Any]]:
        """The rows a test seeds (the clocks' own rules are the work-order fakes' concern)."""
        return [dict(c) for c in self.tables.clocks[self.tenant_id]]

    async def overdue_clocks(self, now: float) -> list[dict[str, Any]]:
        """The rows a test seeds, as the work orders' due-clock query returns them."""
        return [dict(c) for c in self.tables.overdue[self.tenant_id]]

    async def visits(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        by_agent: dict[Any, list[int]] = defaultdict(list)
        for o in self.tables.orders[self.tenant_id]:
            if o.satisfaction is not None and since <= o.created_at < until:
                by_agent[o.first_owner_id].append(o.satisfaction)
        return [
            {
                "agent": agent,
                "visits": len(scores),
                "visit_avg": round(sum(scores) / len(scores), 2),
                "visit_good": sum(score >= 4 for score in scores),
            }
            for agent, scores in by_agent.items()
        ]

    async def surveys(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        by_agent: dict[Any, list[int]] = defaultdict(list)
        for c in self.tables.calls[self.tenant_id]:
            if c.satisfaction is not None and c.rated_agent is not None and since <= c.arrived_at < until:
                by_agent[c.rated_agent].append(c.satisfaction)
        return [
            {"agent": agent, "surveys": len(scores), "survey_good": sum(score >= 4 for score in scores)}
            for agent, scores in by_agent.items()
        ]
