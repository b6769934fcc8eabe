"""The floor's norm rules on a virtual clock: ring past 2 rings, hold past 30 s, absence past
5 min (or past the approved minutes), each raised once per occurrence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.errors import Invalid
from helpline.domain.floor.norms import (
    AgentView,
    BreakView,
    CallView,
    FloorSnapshot,
    NormPolicy,
    NormWatch,
)


def _kinds(watch: NormWatch, snapshot: FloorSnapshot, now: float) -> list[str]:
    return [o.kind for o in watch.check(snapshot, now)]


def test_a_call_ringing_past_two_rings_alerts_once_per_offer() -> None:
    watch = NormWatch()
    ringing = FloorSnapshot(calls=(CallView("c1", "offered", offered_to=("a1",), offered_at=100.0),))
    assert watch.next_due(ringing) == 106.0
    assert _kinds(watch, ringing, 105.9) == []
    assert _kinds(watch, ringing, 106.0) == ["long_ring"]
    assert _kinds(watch, ringing, 200.0) == []
    assert watch.next_due(ringing) is None
    # offered again (to the next agent): a new occurrence
    again = FloorSnapshot(calls=(CallView("c1", "offered", offered_to=("a2",), offered_at=120.0),))
    assert [(o.kind, o.agent_id) for o in watch.check(again, 127.0)] == [("long_ring", "a2")]


def test_a_ring_is_a_tenant_setting() -> None:
    watch = NormWatch(NormPolicy(ring_seconds=5.0, max_rings=3))
    ringing = FloorSnapshot(calls=(CallView("c1", "offered", offered_to=("a1",), offered_at=0.0),))
    assert watch.next_due(ringing) == 15.0


def test_each_hold_past_30_seconds_alerts_once() -> None:
    watch = NormWatch()
    held = FloorSnapshot(calls=(CallView("c1", "on_hold", agent_id="a1", held_since=50.0),))
    assert _kinds(watch, held, 79.0) == []
    assert [(o.kind, o.agent_id, o.call_id) for o in watch.check(held, 80.0)] == [("long_hold", "a1", "c1")]
    assert _kinds(watch, held, 500.0) == []
    talking = FloorSnapshot(calls=(CallView("c1", "talking", agent_id="a1"),))
    assert _kinds(watch, talking, 501.0) == [] and watch.raised == set()  # the hold is over, forgotten
    held_again = FloorSnapshot(calls=(CallView("c1", "on_hold", agent_id="a1", held_since=510.0),))
    assert _kinds(watch, held_again, 541.0) == ["long_hold"]


def test_absence_past_5_minutes_but_not_a_scheduled_meal() -> None:
    watch = NormWatch()
    away = FloorSnapshot(
        agents=(
            AgentView("a1", "not_ready", 0.0, "training"),
            AgentView("a2", "not_ready", 0.0, "meal"),
            AgentView("a3", "ready", 0.0),
        )
    )
    assert _kinds(watch, away, 299.0) == []
    assert [(o.kind, o.agent_id) for o in watch.check(away, 300.0)] == [("long_absence", "a1")]
    assert _kinds(watch, away, 3600.0) == []


def test_an_approved_break_counts_against_its_minutes() -> None:
    watch = NormWatch()
    on_break = FloorSnapshot(
        agents=(AgentView("a1", "not_ready", 10.0, "break"),), breaks=(BreakView("a1", 2, 10.0, "break"),)
    )
    assert watch.next_due(on_break) == 130.0  # a scheduled reason, but the leader approved 2 minutes
    assert _kinds(watch, on_break, 129.0) == []
    assert [o.detail["approved"] for o in watch.check(on_break, 131.0)] == [True]


def test_the_policy_comes_from_tenant_settings_and_refuses_nonsense() -> None:
    policy = NormPolicy.from_settings({"hold_limit": 60, "scheduled_reasons": ["meal"]})
    assert policy.hold_limit == 60.0 and policy.max_minutes("other") == 5 and policy.max_minutes("meal") == 60
    with pytest.raises(Invalid):
        NormPolicy.from_settings({"hold_limit": 0})
    with pytest.raises(Invalid):
        NormPolicy.from_settings({"holdlimit": 30})
    with pytest.raises(Invalid):
        NormPolicy.from_settings({"ring_seconds": "three"})


holds = st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 120)), min_size=1, max_size=8)


@given(holds=holds, checks=st.lists(st.floats(0, 2000), min_size=1, max_size=30))
def test_every_hold_alerts_at_most_once_and_only_when_past_the_limit(
    holds: list[tuple[float, float]], checks: list[float]
) -> None:
    """Holds of several calls, checked at random times in order: an alert names a hold that
    lasted 30 s by then, and no hold alerts twice."""
    watch = NormWatch()
    snapshot = FloorSnapshot(
        calls=tuple(
            CallView(f"c{i}", "on_hold", agent_id="a", held_since=start) for i, (start, _) in enumerate(holds)
        )
    )
    seen: list[str] = []
    for now in sorted(checks):
        for o in watch.check(snapshot, now):
            assert now - o.detail["since"] >= 30.0
            seen.append(o.key)
    assert len(seen) == len(set(seen))
    last = max(checks)
    assert len(seen) == sum(1 for start, _ in holds if last - start >= 30.0)


@given(since=st.floats(0, 1e6), limit=st.floats(1, 3600), step=st.floats(0.01, 50))
def test_next_due_is_when_check_first_raises(since: float, limit: float, step: float) -> None:
    watch = NormWatch(NormPolicy(absence_limit=limit))
    away = FloorSnapshot(agents=(AgentView("a1", "not_ready", since, "other"),))
    due = watch.next_due(away)
    assert due == since + limit
    if step < limit:
        assert watch.check(away, due - step) == []
    assert len(watch.check(away, due)) == 1
