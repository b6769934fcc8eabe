"""What the reports read: one tenant's stored calls, agent states, orders and clocks, added up
by the database (counts and sums only; the figures are the domain's, ADR 0007), and the port
that renders a finished report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from helpline.app.ports import UnitOfWork
from helpline.app.reports.report import Report
from helpline.domain.acd.kpis import CallTotals

Row = dict[str, Any]


@dataclass(frozen=True)
class QueueFacts:
    """What a report shows of a queue: its name and service-level target."""

    id: str
    name: str
    sl_target: float
    sl_seconds: float


@dataclass(frozen=True)
class AgentPart:
    """One agent's own part of the calls they handled (from the state log: after a transfer,
    each agent is credited with their part)."""

    agent_id: str
    handled: int
    talk: float
    wrapup: float


class ReportQueries(Protocol):
    async def queues(self) -> Sequence[QueueFacts]:
        """Ordered by id."""
        ...

    async def call_totals(
        self, thresholds: Mapping[str, float], since: datetime, until: datetime | None = None
    ) -> dict[str, CallTotals]:
        """Per queue, the calls that arrived in ``[since, until)`` added up; a call counts as
        answered within the service level by its queue's threshold (default 20 s)."""
        ...

    async def mean_scores(self, since: datetime, until: datetime) -> dict[str, float]:
        """Per queue, the callers' mean satisfaction key press (1-5)."""
        ...

    async def agent_parts(self, since: datetime, until: datetime) -> Sequence[AgentPart]: ...

    async def names(self, dimension: str) -> dict[Any, str]:
        """What a report shows for each key of ``reason``, ``unit`` or ``agent``."""
        ...

    async def orders_by(self, dimension: str, since: datetime, until: datetime) -> list[Row]:
        """Orders created in the period grouped by ``dimension``, most first: ``key``,
        ``orders``, ``open``, ``closed``, ``urgent``, ``duplicates``, ``satisfaction`` (mean)."""
        ...

    async def sla_clocks(self, since: datetime, until: datetime, now: datetime) -> list[Row]:
        """Per kind, clocks due in the period: ``kind``, ``clocks``, ``in_time``, ``breached``,
        ``open``, ``overdue`` (open and past due at ``now``)."""
        ...

    async def overdue_clocks(self, now: float) -> list[Row]:
        """Open clocks past due (or breached): ``order``, ``clock``, ``overdue_seconds``."""
        ...

    async def visits(self, since: datetime, until: datetime) -> list[Row]:
        """Per first owner of orders created in the period: ``agent``, ``visits``,
        ``visit_avg``, ``visit_good`` (scores of 4 or 5)."""
        ...

    async def surveys(self, since: datetime, until: datetime) -> list[Row]:
        """Per agent rated (the last on the call): ``agent``, ``surveys``, ``survey_good``."""
        ...


class ReportsUnit(UnitOfWork, Protocol):
    @property
    def reports(self) -> ReportQueries: ...


class Renderer(Protocol):
    def render(self, report: Report, fmt: str) -> tuple[bytes, str]:
        """The report's bytes and media type in ``fmt`` (one of ``FORMATS``)."""
        ...
