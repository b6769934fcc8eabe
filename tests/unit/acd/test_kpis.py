"""Each call KPI has one definition: bounded, empty when it has no denominator, and the same
whether it is folded from events or computed from totals."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.acd import kpis
from helpline.domain.acd.kpis import CallTotals, kpis_of
from helpline.domain.acd.metrics import MetricsFold
from helpline.domain.events import (
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallQueued,
    Event,
)

SECONDS = st.floats(min_value=0, max_value=3600, allow_nan=False)


@st.composite
def totals(draw: st.DrawFn) -> CallTotals:
    """Totals that real calls can add up to: nobody is answered twice or both answered and lost."""
    offered = draw(st.integers(0, 500))
    answered = draw(st.integers(0, offered))
    abandoned = draw(st.integers(0, offered - answered))
    handled = draw(st.integers(0, answered))
    logged_in = draw(SECONDS)
    return CallTotals(
        offered=offered,
        answered=answered,
        answered_within_sl=draw(st.integers(0, answered)),
        abandoned=abandoned,
        wait_answered=draw(SECONDS) * answered,
        handled=handled,
        talk=draw(SECONDS) * handled,
        wrapup=draw(SECONDS) * handled,
        busy=draw(st.floats(0, 1)) * logged_in,
        logged_in=logged_in,
    )


def test_no_call_offered_means_no_figure() -> None:
    figures = kpis_of(CallTotals())
    assert figures.service_level is None and figures.abandon_rate is None
    assert figures.asa_seconds is None and figures.aht_seconds is None and figures.acw_seconds is None
    assert figures.occupancy is None and figures.satisfaction is None
    assert MetricsFold().kpis() == figures


def test_calls_offered_but_none_answered_has_a_service_level_but_no_asa() -> None:
    figures = kpis_of(CallTotals(offered=4, abandoned=1))
    assert figures.service_level == 0.0 and figures.abandon_rate == 0.25
    assert figures.asa_seconds is None and figures.aht_seconds is None


@given(totals())
def test_shares_lie_between_zero_and_one(sums: CallTotals) -> None:
    for share in (kpis.service_level(sums), kpis.abandon_rate(sums), kpis.occupancy(sums)):
        assert share is None or 0.0 <= share <= 1.0


@given(totals())
def test_abandoned_and_answered_shares_add_up_to_at_most_one(sums: CallTotals) -> None:
    abandoned, answered = kpis.abandon_rate(sums), kpis.share(sums.answered, sums.offered)
    if sums.offered:
        assert abandoned is not None and answered is not None
        assert abandoned + answered <= 1.0 + 1e-12
    else:
        assert abandoned is None and answered is None


@given(totals())
def test_handle_time_is_talk_plus_after_call_work(sums: CallTotals) -> None:
    att, acw, aht = kpis.att(sums), kpis.acw(sums), kpis.aht(sums)
    if sums.handled:
        assert att is not None and acw is not None and aht is not None
        assert aht == pytest.approx(att + acw)
    else:
        assert att is None and acw is None and aht is None


Outcome = tuple[str, float, float]  # ("answered" | "abandoned" | "waiting", wait, talk)
CALLS = st.lists(
    st.tuples(st.sampled_from(["answered", "abandoned", "waiting"]), SECONDS, SECONDS), max_size=40
)


def _events(calls: list[Outcome]) -> list[Event]:
    events: list[Event] = []
    for n, (outcome, wait, talk) in enumerate(calls):
        call = {"tenant_id": "t", "at": float(n), "call_id": f"c{n}", "queue_id": "q"}
        events.append(CallQueued(**call, priority=0, position=1))
        if outcome == "answered":
            events.append(CallAnswered(**call, agent_id="a", waited=wait, rang=0))
            events.append(CallEnded(**call, agent_id="a", talk=talk, held=0, ended_by="agent"))
            events.append(
                AgentStateChanged(
                    tenant_id="t",
                    at=n,
                    agent_id="a",
                    old_state="wrap_up",
                    new_state="ready",
                    duration=wait / 2,
                )
            )
        elif outcome == "abandoned":
            events.append(CallAbandoned(**call, waited=wait))
    return events


@given(CALLS, st.floats(min_value=1, max_value=60))
def test_the_fold_over_events_agrees_with_the_figures_of_its_totals(calls: list[Outcome], sl: float) -> None:
    fold = MetricsFold(sl_seconds=sl)
    for event in _events(calls):
        fold.apply(event)
    answered = [(wait, talk) for outcome, wait, talk in calls if outcome == "answered"]
    expected = CallTotals(
        offered=len(calls),
        answered=len(answered),
        answered_within_sl=sum(wait <= sl for wait, _ in answered),
        abandoned=sum(outcome == "abandoned" for outcome, _, _ in calls),
        wait_answered=math.fsum(wait for wait, _ in answered),
        handled=len(answered),
        talk=math.fsum(talk for _, talk in answered),
        wrapup=math.fsum(wait / 2 for wait, _ in answered),
        busy=math.fsum(wait / 2 for wait, _ in answered),
        logged_in=math.fsum(wait / 2 for wait, _ in answered),
    )
    got, want = fold.kpis().as_dict(), kpis_of(expected).as_dict()
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == (None if value is None else pytest.approx(value)), key
