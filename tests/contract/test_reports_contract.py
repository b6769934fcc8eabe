"""The reports' reads: the in-memory fake and the database (SQLite and PostgreSQL) add up the
same facts alike, so use cases tested on the fake report what the database would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import pytest

from fakes.reports import CallFact, OrderFact, StateChange
from fakes.unit_of_work import FakeUnits
from helpline.adapters.db.tables.acd import AgentStateLog, CallEventRow, CallRecord, QueueRow
from helpline.adapters.db.tables.workorders import WorkOrderRow
from helpline.app.reports.ports import QueueFacts, ReportsUnit
from helpline.bootstrap import Container

Units = Callable[[str], AbstractAsyncContextManager[ReportsUnit]]
T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
QUEUES = [QueueFacts("general", "综合", 0.8, 20.0), QueueFacts("vip", "贵宾", 0.9, 10.0)]
CALLS = [
    CallFact(
        "c1",
        "general",
        T0,
        answered=True,
        wait=5.0,
        talk=100.0,
        wrapup=20.0,
        satisfaction=5,
        rated_agent="a1",
    ),
    CallFact(
        "c2",
        "general",
        T0 + timedelta(minutes=1),
        answered=True,
        wait=30.0,
        talk=50.0,
        satisfaction=3,
        rated_agent="a2",
    ),
    CallFact("c3", "general", T0 + timedelta(minutes=2), outcome="abandoned"),
    CallFact("c4", "vip", T0 + timedelta(minutes=3), answered=True, wait=12.0),  # still talking
    CallFact("c5", "vip", T0 + timedelta(minutes=4), outcome="voicemail"),
    CallFact("old", "vip", T0 - timedelta(days=2), answered=True, wait=1.0, talk=10.0),
]
STATES = [
    StateChange("a1", T0, "ringing", "talking", 3.0),
    StateChange("a1", T0 + timedelta(seconds=100), "talking", "wrap_up", 100.0),
    StateChange("a1", T0 + timedelta(seconds=120), "wrap_up", "ready", 20.0),
    StateChange("a2", T0, "on_hold", "wrap_up", 40.0),
    StateChange("a2", T0, "ready", "not_ready", 60.0, call_id=None),
]
ORDERS = [
    OrderFact("o1", T0, "closed", "complaint", "a1", urgent=True, satisfaction=5),
    OrderFact("o2", T0, "submitted", "complaint", "a1", satisfaction=2),
    OrderFact("o3", T0, "merged", "inquiry", "a2"),
]
Seed = Callable[[], Awaitable[None]]


def window() -> tuple[datetime, datetime]:
    return T0 - timedelta(hours=1), T0 + timedelta(hours=1)


class ReportsContract:
    async def test_call_totals_per_queue_with_each_queues_threshold(self, units: Units, seed: Seed) -> None:
        await seed()
        since, until = window()
        async with units("default") as uow:
            totals = await uow.reports.call_totals({"general": 20.0, "vip": 10.0}, since, until)
            everything = await uow.reports.call_totals({}, T0 - timedelta(days=3))
        general, vip = totals["general"], totals["vip"]
        assert (general.offered, general.answered, general.answered_within_sl) == (3, 2, 1)
        assert (general.abandoned, general.handled, general.talk, general.wrapup) == (1, 2, 150.0, 20.0)
        assert (vip.offered, vip.answered, vip.answered_within_sl, vip.exited, vip.handled) == (2, 1, 0, 1, 0)
        assert vip.wait_answered == 12.0
        assert everything["vip"].offered == 3 and everything["vip"].answered_within_sl == 2

    async def test_queues_scores_and_agents_parts(self, units: Units, seed: Seed) -> None:
        await seed()
        since, until = window()
        async with units("default") as uow:
            assert list(await uow.reports.queues()) == QUEUES
            assert await uow.reports.mean_scores(since, until) == {"general": 4.0}
            parts = {p.agent_id: p for p in await uow.reports.agent_parts(since, until)}
        assert (parts["a1"].handled, parts["a1"].talk, parts["a1"].wrapup) == (1, 100.0, 20.0)
        assert (parts["a2"].handled, parts["a2"].talk, parts["a2"].wrapup) == (1, 40.0, 0.0)

    async def test_orders_visits_and_surveys(self, units: Units, seed: Seed) -> None:
        await seed()
        since, until = window()
        async with units("default") as uow:
            by_category = await uow.reports.orders_by("category", since, until)
            visits = await uow.reports.visits(since, until)
            surveys = await uow.reports.surveys(since, until)
        complaint = next(r for r in by_category if r["key"] == "complaint")
        assert by_category[0]["key"] == "complaint"
        assert {k: complaint[k] for k in ("orders", "open", "closed", "urgent", "duplicates")} == {
            "orders": 2,
            "open": 1,
            "closed": 1,
            "urgent": 1,
            "duplicates": 0,
        }
        assert float(complaint["satisfaction"]) == 3.5
        assert visits == [{"agent": "a1", "visits": 2, "visit_avg": 3.5, "visit_good": 1}]
        assert sorted(surveys, key=lambda s: s["agent"]) == [
            {"agent": "a1", "surveys": 1, "survey_good": 1},
            {"agent": "a2", "surveys": 1, "survey_good": 0},
        ]

    async def test_another_tenant_sees_nothing(self, units: Units, seed: Seed) -> None:
        await seed()
        since, until = window()
        async with units("other") as uow:
            assert await uow.reports.call_totals({}, since, until) == {}
            assert await uow.reports.orders_by("category", since, until) == []


class TestFake(ReportsContract):
    @pytest.fixture
    def units(self) -> FakeUnits:
        return FakeUnits()

    @pytest.fixture
    def seed(self, units: FakeUnits) -> Seed:
        async def put() -> None:
            tables = units.store.reports
            tables.queues["default"] = list(QUEUES)
            tables.calls["default"] = list(CALLS)
            tables.states["default"] = list(STATES)
            tables.orders["default"] = list(ORDERS)

        return put


def _rows(
    calls: Sequence[CallFact], states: Sequence[StateChange], orders: Sequence[OrderFact]
) -> list[object]:
    rows: list[object] = [
        QueueRow(tenant_id="default", id=q.id, name=q.name, sl_target=q.sl_target, sl_seconds=q.sl_seconds)
        for q in QUEUES
    ]
    for c in calls:
        rows.append(
            CallRecord(
                tenant_id="default",
                id=c.id,
                queue_id=c.queue_id,
                arrived_at=c.arrived_at,
                outcome=c.outcome,
                answered_at=c.arrived_at if c.answered else None,
                wait_seconds=c.wait,
                talk_seconds=c.talk,
                wrapup_seconds=c.wrapup,
                satisfaction=c.satisfaction,
            )
        )
        if c.rated_agent:
            rows.append(
                CallEventRow(
                    tenant_id="default",
                    call_id=c.id,
                    at=c.arrived_at,
                    type="satisfaction_rated",
                    agent_id=c.rated_agent,
                )
            )
    rows += [
        AgentStateLog(
            tenant_id="default",
            agent_id=s.agent_id,
            at=s.at,
            old_state=s.old_state,
            new_state=s.new_state,
            duration=s.duration,
            call_id=s.call_id,
        )
        for s in states
    ]
    rows += [
        WorkOrderRow(
            tenant_id="default",
            id=o.id,
            number=o.id,
            state=o.state,
            category=o.category,
            first_owner_id=o.first_owner_id,
            urgent=o.urgent,
            satisfaction=o.satisfaction,
            created_at=o.created_at,
            updated_at=o.created_at,
        )
        for o in orders
    ]
    return rows


class TestDatabase(ReportsContract):
    @pytest.fixture
    def units(self, container: Container) -> Units:
        return container.units

    @pytest.fixture
    def seed(self, container: Container) -> Seed:
        async def put() -> None:
            async with container.sessionmaker() as session, session.begin():
                session.add_all(_rows(CALLS, STATES, ORDERS))

        return put
