"""The standard reports built on the in-memory reads: the figures are the domain's
definitions over the stored totals, the rows are in the order a reader expects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fakes.reports import CallFact, OrderFact, StateChange
from fakes.unit_of_work import FakeUnits
from helpline.app.reports import standard as reports
from helpline.app.reports.ports import QueueFacts
from helpline.domain.errors import Invalid

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC).timestamp()  # 12:00 in Beijing
T = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _units() -> FakeUnits:
    units = FakeUnits()
    tables = units.store.reports
    tables.queues["default"] = [QueueFacts("general", "综合", 0.8, 20.0), QueueFacts("quiet", "", 0.9, 10.0)]
    tables.calls["default"] = [
        CallFact("c1", "general", T, answered=True, wait=10.0, talk=90.0, wrapup=30.0, satisfaction=5),
        CallFact("c2", "general", T, answered=True, wait=40.0, talk=30.0, wrapup=0.0, satisfaction=4),
        CallFact("c3", "general", T, outcome="abandoned"),
        CallFact("c4", "general", T, outcome="abandoned"),
    ]
    tables.names["default"]["agent"] = {"a1": "张伟", "a2": "李娜"}
    tables.states["default"] = [
        StateChange("a1", T, "talking", "wrap_up", 90.0),
        StateChange("a2", T, "talking", "wrap_up", 30.0),
        StateChange("a2", T, "on_hold", "wrap_up", 50.0),
    ]
    tables.orders["default"] = [
        OrderFact("o1", T, "closed", "complaint", "a1", satisfaction=5),
        OrderFact("o2", T, "visited", "complaint", "a1", satisfaction=4),
        OrderFact("o3", T, "submitted", "inquiry", "a2", satisfaction=2),
    ]
    return units


def test_a_period_is_local_days_ending_today_by_default() -> None:
    span = reports.period(None, None, now=NOW)
    assert span.label == {"from": "2026-11-08", "to": "2026-12-07"}
    assert span.end - span.start == timedelta(days=30)
    with pytest.raises(Invalid):
        reports.period(datetime(2026, 12, 7).date(), datetime(2026, 12, 1).date(), now=NOW)


async def test_call_kpis_are_the_domains_figures_per_queue() -> None:
    units = _units()
    async with units("default") as uow:
        report = await reports.call_kpis(uow, reports.period(None, None, now=NOW), NOW)
    (row,) = report.rows  # a queue without calls has no row
    assert row["queue"] == "综合" and (row["offered"], row["answered"], row["abandoned"]) == (4, 2, 2)
    assert row["service_level"] == 0.25 and row["abandon_rate"] == 0.5  # 1 of 4 offered within 20 s
    assert (row["asa"], row["aht"], row["acw"]) == (25.0, 75.0, 15.0)
    assert row["satisfaction"] == 4.5 and row["target"] == "80%/20s"


async def test_agent_calls_credit_each_agent_and_rank_the_busiest_first() -> None:
    units = _units()
    async with units("default") as uow:
        report = await reports.agent_calls(uow, reports.period(None, None, now=NOW), NOW)
    assert [(r["agent"], r["handled"], r["att"]) for r in report.rows] == [
        ("李娜", 2, 40.0),
        ("张伟", 1, 90.0),
    ]


async def test_satisfaction_against_the_94_percent_norm() -> None:
    units = _units()
    async with units("default") as uow:
        report = await reports.satisfaction(uow, reports.period(None, None, now=NOW), NOW)
    rows = {r["agent"]: r for r in report.rows}
    assert rows["张伟"]["satisfied"] == 1.0 and rows["张伟"]["meets_norm"] == "是 yes"
    assert rows["李娜"]["satisfied"] == 0.0 and rows["李娜"]["meets_norm"] == "否 no"


async def test_orders_by_category_with_shares_and_an_unknown_dimension_refused() -> None:
    units = _units()
    span = reports.period(None, None, now=NOW)
    async with units("default") as uow:
        report = await reports.orders_by(uow, "category", span)
        with pytest.raises(Invalid) as refused:
            await reports.orders_by(uow, "weather", span)
    assert [(r["name"], r["orders"], r["share"]) for r in report.rows] == [
        ("投诉 complaint", 2, 0.6667),
        ("咨询 inquiry", 1, 0.3333),
    ]
    assert refused.value.fields["field"] == "dimension"
