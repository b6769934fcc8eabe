"""Who gets the call: every strategy, penalty tiers, skills, VIP priority and aging."""

from __future__ import annotations

from collections import Counter
from typing import TypeVar

import pytest

from helpline.domain.acd.agent import Agent, AgentState
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import OverflowStep, QueueConfig, Strategy
from helpline.domain.events import (
    AgentStateChanged,
    CallOffered,
    CallOfferEnded,
    CallOverflowed,
    CallQueued,
    Event,
)

T = TypeVar("T")


def only(events: list[Event], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]


def build(
    config: QueueConfig, agents: list[Agent], *, ready_at: dict[str, float] | None = None, seed: int = 0
) -> ContactCenter:
    """A center with one queue; every agent logs in and readies (at ``ready_at`` or 0)."""
    center = ContactCenter(seed=seed)
    center.put_queue(config)
    for agent in agents:
        center.put_agent(agent)
    for agent in agents:
        center.login(agent.id, 0.0)
    for agent_id, at in sorted((ready_at or {a.id: 0.0 for a in agents}).items(), key=lambda x: x[1]):
        center.ready(agent_id, at)
    return center


def call_in(center: ContactCenter, call_id: str, now: float, queue: str = "q", **kw: object) -> list[Event]:
    skills = kw.pop("skills", None)
    center.arrive(Call(call_id, caller="13800000000"), now)
    return center.enqueue(call_id, queue, now, skills=skills, **kw)  # type: ignore[arg-type]


def offered_to(events: list[Event]) -> tuple[str, ...]:
    [offer] = only(events, CallOffered)
    return offer.agent_ids


def serve_and_release(center: ContactCenter, call_id: str, now: float, talk: float = 10.0) -> str:
    """Answer the call's offer, talk, hang up: the agent is ready again (no wrap-up)."""
    call = center.calls[call_id]
    [agent_id] = sorted(call.offered_to)
    center.answer(call_id, agent_id, now)
    center.hangup(call_id, now + talk, by="agent", agent_id=agent_id)
    return agent_id


def agents(*ids: str, queue: str = "q", tier: int = 0, **kw: object) -> list[Agent]:
    return [Agent(i, queues={queue: tier}, **kw) for i in ids]  # type: ignore[arg-type]


# ---- strategies ----------------------------------------------------------------------------


def test_longest_idle_offers_the_agent_idle_longest() -> None:
    center = build(QueueConfig("q"), agents("a", "b", "c"), ready_at={"b": 1.0, "c": 2.0, "a": 3.0})

    assert offered_to(call_in(center, "c1", 10.0)) == ("b",)
    assert offered_to(call_in(center, "c2", 10.0)) == ("c",)
    assert offered_to(call_in(center, "c3", 10.0)) == ("a",)
    queued = call_in(center, "c4", 10.0)  # nobody left: the call waits
    assert not only(queued, CallOffered)
    assert only(queued, CallQueued)[0].position == 1


def test_longest_idle_counts_from_the_end_of_the_last_call() -> None:
    center = build(QueueConfig("q"), agents("a", "b"), ready_at={"a": 0.0, "b": 5.0})
    call_in(center, "c1", 6.0)
    serve_and_release(center, "c1", 6.0)  # a is ready again at 16, b since 5
    assert offered_to(call_in(center, "c2", 20.0)) == ("b",)


def test_fewest_calls() -> None:
    team = agents("a", "b", "c")
    for agent, calls in zip(team, (5, 1, 3), strict=True):
        agent.calls_today = calls
    center = build(
        QueueConfig("q", strategy=Strategy.FEWEST_CALLS), team, ready_at={"b": 2.0, "a": 0.0, "c": 1.0}
    )
    assert [offered_to(call_in(center, f"c{i}", 10.0))[0] for i in range(3)] == ["b", "c", "a"]


def test_fewest_calls_uses_todays_tally_after_a_call() -> None:
    center = build(
        QueueConfig("q", strategy=Strategy.FEWEST_CALLS), agents("a", "b"), ready_at={"a": 0.0, "b": 1.0}
    )
    call_in(center, "c1", 2.0)
    assert serve_and_release(center, "c1", 2.0) == "a"  # a has one call now, b none
    assert offered_to(call_in(center, "c2", 20.0)) == ("b",)


def test_least_talk_time() -> None:
    team = agents("a", "b", "c")
    for agent, talk in zip(team, (300.0, 50.0, 120.0), strict=True):
        agent.talk_seconds_today = talk
    center = build(QueueConfig("q", strategy=Strategy.LEAST_TALK_TIME), team)
    assert [offered_to(call_in(center, f"c{i}", 10.0))[0] for i in range(3)] == ["b", "c", "a"]


def test_round_robin_remembers_who_got_the_last_call() -> None:
    center = build(
        QueueConfig("q", strategy=Strategy.ROUND_ROBIN),
        agents("a", "b", "c"),
        ready_at={"c": 0.0, "b": 1.0, "a": 2.0},
    )
    got = []
    for i in range(5):  # everyone is ready again before each decision
        call_in(center, f"c{i}", 10.0 * i + 5)
        got.append(serve_and_release(center, f"c{i}", 10.0 * i + 5, talk=1.0))
    assert got == ["a", "b", "c", "a", "b"]


def test_round_robin_skips_busy_agents_and_wraps() -> None:
    center = build(QueueConfig("q", strategy=Strategy.ROUND_ROBIN), agents("a", "b", "c"))
    assert offered_to(call_in(center, "c1", 1.0)) == ("a",)
    assert offered_to(call_in(center, "c2", 1.0)) == ("b",)
    serve_and_release(center, "c1", 1.0)  # a is free, b still rings
    assert offered_to(call_in(center, "c3", 20.0)) == ("c",)
    assert offered_to(call_in(center, "c4", 20.0)) == ("a",)  # wrapped around


def test_ring_all_rings_everyone_and_the_first_answer_wins() -> None:
    center = build(
        QueueConfig("q", strategy=Strategy.RING_ALL),
        agents("a", "b", "c"),
        ready_at={"a": 1.0, "b": 2.0, "c": 3.0},
    )
    center.not_ready("c", "break", 4.0)

    events = call_in(center, "c1", 10.0)
    assert offered_to(events) == ("a", "b")  # c is not ready: never rung
    assert {e.agent_id for e in only(events, AgentStateChanged)} == {"a", "b"}
    assert all(center.agents[a].state is AgentState.RESERVED for a in ("a", "b"))

    events = center.answer("c1", "b", 12.0)
    [lost] = only(events, CallOfferEnded)
    assert (lost.agent_id, lost.cause) == ("a", "answered_elsewhere")
    assert center.agents["b"].state is AgentState.TALKING
    a = center.agents["a"]
    assert a.state is AgentState.READY and a.idle_since == 1.0  # keeps its idle time
    assert a.current_call_id is None
    assert center.router.queues["q"].ready_entry["a"][1][1] == 1.0


def test_ring_all_loser_takes_the_next_waiting_call() -> None:
    center = build(QueueConfig("q", strategy=Strategy.RING_ALL), agents("a", "b"))
    call_in(center, "c1", 1.0)
    call_in(center, "c2", 2.0)  # waits: both agents ring for c1
    events = center.answer("c1", "a", 3.0)
    assert offered_to(events) == ("b",)
    assert only(events, CallOffered)[0].call_id == "c2"


def test_ring_all_losers_pick_their_next_call_longest_idle_first() -> None:
    center = ContactCenter()
    center.put_queue(QueueConfig("ring", strategy=Strategy.RING_ALL))
    center.put_queue(QueueConfig("x"))
    for agent_id, queues in (("a", {"ring": 0, "x": 0}), ("b", {"ring": 0, "x": 0}), ("c", {"ring": 0})):
        center.put_agent(Agent(agent_id, queues=queues))
        center.login(agent_id, 0.0)
    for agent_id, at in (("b", 1.0), ("a", 5.0), ("c", 6.0)):
        center.ready(agent_id, at)
    call_in(center, "r1", 10.0, queue="ring")
    call_in(center, "x1", 11.0, queue="x")  # waits: a and b ring for r1
    events = center.answer("r1", "c", 12.0)
    assert only(events, CallOffered)[0].agent_ids == ("b",)  # idle since 1, before a (5)


def test_random_is_seeded_and_only_offers_qualifying_agents() -> None:
    def run(seed: int) -> list[str]:
        team = [
            Agent(i, queues={"q": 0}, skills={"fr": lvl})
            for i, lvl in (("a", 1), ("c", 2), ("e", 3), ("b", 4), ("d", 5))
        ]
        center = build(QueueConfig("q", strategy=Strategy.RANDOM, required_skills={"fr": 4}), team, seed=seed)
        chosen = []
        for i in range(200):
            chosen.append(offered_to(call_in(center, f"c{i}", float(i)))[0])
            center.hangup(f"c{i}", float(i) + 0.5)  # caller hangs up: the agent is free again
        return chosen

    first = run(seed=3)
    assert set(first) == {"b", "d"}  # only the agents with fr >= 4
    counts = Counter(first)
    assert 80 <= counts["b"] <= 120  # about evenly, though b follows three unqualified agents
    assert run(seed=3) == first  # the same seed, the same choices
    assert run(seed=4) != first


def test_best_skill_then_longest_idle() -> None:
    team = [
        Agent(i, queues={"q": 0}, skills={"fr": lvl}) for i, lvl in (("a", 2), ("b", 5), ("c", 3), ("d", 5))
    ]
    center = build(
        QueueConfig("q", strategy=Strategy.BEST_SKILL, required_skills={"fr": 1}),
        team,
        ready_at={"a": 0.0, "d": 1.0, "b": 2.0, "c": 3.0},
    )
    assert [offered_to(call_in(center, f"c{i}", 10.0))[0] for i in range(4)] == ["d", "b", "c", "a"]


def test_fixed_order_hunts_in_member_order() -> None:
    center = build(
        QueueConfig("q", strategy=Strategy.FIXED_ORDER),
        agents("a", "b", "c"),
        ready_at={"c": 0.0, "b": 1.0, "a": 2.0},
    )
    for i in range(3):  # a is always first while ready, however long the others idle
        call_in(center, f"c{i}", 10.0 * i + 5)
        assert serve_and_release(center, f"c{i}", 10.0 * i + 5, talk=1.0) == "a"
    call_in(center, "x1", 100.0)
    assert offered_to(call_in(center, "x2", 100.0)) == ("b",)


def test_a_strategy_change_resorts_ready_agents() -> None:
    team = agents("a", "b")
    team[0].calls_today, team[1].calls_today = 9, 0
    center = build(QueueConfig("q"), team, ready_at={"a": 0.0, "b": 1.0})
    center.put_queue(QueueConfig("q", strategy=Strategy.FEWEST_CALLS))
    assert offered_to(call_in(center, "c1", 5.0)) == ("b",)


# ---- penalty tiers and skills ---------------------------------------------------------------


def test_tier_0_before_tier_1() -> None:
    center = build(
        QueueConfig("q"),
        [Agent("far", queues={"q": 1}), Agent("near", queues={"q": 0})],
        ready_at={"far": 0.0, "near": 5.0},
    )
    assert offered_to(call_in(center, "c1", 10.0)) == ("near",)


def test_tier_1_only_after_an_overflow_step_widens_the_reach() -> None:
    config = QueueConfig("q", overflow=(OverflowStep(30, max_penalty=1),))
    center = build(config, [Agent("far", queues={"q": 1}), Agent("near", queues={"q": 0})])
    center.not_ready("near", "break", 1.0)

    assert not only(call_in(center, "c1", 10.0), CallOffered)  # far is ready, but tier 1
    assert center.advance(39.9) == []
    assert center.next_deadline() == 40.0
    events = center.advance(40.0)
    [overflow] = only(events, CallOverflowed)
    assert (overflow.step, overflow.max_penalty, overflow.to_queue_id) == (1, 1, None)
    assert offered_to(events) == ("far",)


def test_tier_2_stays_out_when_the_overflow_admits_tier_1() -> None:
    config = QueueConfig("q", overflow=(OverflowStep(5, max_penalty=1),))
    center = build(config, [Agent("t2", queues={"q": 2})])
    call_in(center, "c1", 0.0)
    events = center.advance(5.0)
    assert only(events, CallOverflowed) and not only(events, CallOffered)
    # a tier-1 agent who readies later does get the call
    center.put_agent(Agent("t1", queues={"q": 1}))
    center.login("t1", 6.0)
    assert offered_to(center.ready("t1", 7.0)) == ("t1",)


def test_ring_all_rings_only_the_lowest_tier_with_a_qualifying_agent() -> None:
    config = QueueConfig("q", strategy=Strategy.RING_ALL, overflow=(OverflowStep(5, max_penalty=2),))
    team = [Agent("t1a", queues={"q": 1}), Agent("t1b", queues={"q": 1}), Agent("t2", queues={"q": 2})]
    center = build(config, team)
    call_in(center, "c1", 0.0)
    assert offered_to(center.advance(5.0)) == ("t1a", "t1b")
    assert center.agents["t2"].state is AgentState.READY


def test_an_agent_below_the_required_level_never_gets_the_call() -> None:
    config = QueueConfig("q", required_skills={"fr": 3})
    team = [Agent("low", queues={"q": 0}, skills={"fr": 2}), Agent("high", queues={"q": 0}, skills={"fr": 3})]
    center = build(config, team, ready_at={"low": 0.0, "high": 5.0})
    center.not_ready("high", "break", 6.0)

    assert not only(call_in(center, "c1", 10.0), CallOffered)
    assert center.advance(10_000.0) == []  # no overflow configured: it simply waits
    assert offered_to(center.ready("high", 10_001.0)) == ("high",)


def test_caller_skills_add_to_the_queue_requirement() -> None:
    team = [
        Agent("en", queues={"q": 0}, skills={"en": 5}),
        Agent("both", queues={"q": 0}, skills={"en": 5, "fr": 2}),
    ]
    center = build(QueueConfig("q", required_skills={"en": 3}), team, ready_at={"en": 0.0, "both": 1.0})
    assert offered_to(call_in(center, "c1", 5.0, skills={"fr": 2})) == ("both",)


def test_overflow_drop_skills_widens_to_agents_without_them() -> None:
    config = QueueConfig(
        "q", required_skills={"fr": 3, "en": 1}, overflow=(OverflowStep(20, drop_skills=("fr",)),)
    )
    center = build(config, [Agent("en_only", queues={"q": 0}, skills={"en": 2})])
    call_in(center, "c1", 0.0)
    assert center.calls["c1"].effective_skills == {"fr": 3, "en": 1}
    events = center.advance(20.0)
    assert offered_to(events) == ("en_only",)
    assert center.calls["c1"].effective_skills == {"en": 1}


# ---- priority and aging ---------------------------------------------------------------------


def waiting_order(center: ContactCenter, queue: str = "q") -> list[str]:
    return [call_id for _, _, call_id in center.router.queues[queue].waiting]


@pytest.mark.parametrize(
    ("vip_arrives", "first"),
    [
        (200.0, "vip"),  # the old caller has aged 200/60 = 3.3 points at most: priority 5 wins
        (299.0, "vip"),
        (300.0, "old"),  # a tie at 5 points each: first come, first served
        (400.0, "old"),  # 400 s of waiting is worth 6.7 points: the old caller keeps the lead
    ],
)
def test_vip_goes_first_unless_a_caller_has_waited_long_enough(vip_arrives: float, first: str) -> None:
    center = build(QueueConfig("q", aging_per_minute=1.0), agents("a"))
    center.not_ready("a", "break", 0.0)
    call_in(center, "old", 0.0)  # priority 0 at t=0
    events = call_in(center, "vip", vip_arrives, priority=5)
    assert only(events, CallQueued)[0].position == (1 if first == "vip" else 2)
    assert waiting_order(center)[0] == first

    # the agent readies much later: the order is the same whatever the clock says
    events = center.ready("a", vip_arrives + 1000.0)
    assert only(events, CallOffered)[0].call_id == first


def test_aging_math() -> None:
    """effective = priority + aging_per_minute/60 * waited; the index key is fixed at queueing."""
    center = build(QueueConfig("q", aging_per_minute=6.0), agents("a"))  # 0.1 point per second
    center.not_ready("a", "break", 0.0)
    call_in(center, "p0", 0.0)
    call_in(center, "p3", 20.0, priority=3)  # at t: 3 + 0.1(t-20) vs 0.1t -> p3 ahead by 1 point
    call_in(center, "p1", 25.0, priority=1)  # 1 + 0.1(t-25) = 0.1t - 1.5 -> behind p0 (0.1t)
    call_in(center, "p2", 25.0, priority=2)  # 2 + 0.1(t-25) = 0.1t - 0.5 -> between p0 and p1
    assert waiting_order(center) == ["p3", "p0", "p2", "p1"]
    keys = {cid: key for key, _, cid in center.router.queues["q"].waiting}
    assert keys == pytest.approx({"p0": 0.0, "p3": -1.0, "p2": 0.5, "p1": 1.5})


def test_zero_aging_is_strict_priority() -> None:
    center = build(QueueConfig("q", aging_per_minute=0.0), agents("a"))
    center.not_ready("a", "break", 0.0)
    call_in(center, "old", 0.0)
    call_in(center, "vip", 1_000_000.0, priority=1)
    assert waiting_order(center) == ["vip", "old"]


def test_across_queues_weight_then_effective_priority() -> None:
    center = ContactCenter()
    center.put_queue(QueueConfig("low"))
    center.put_queue(QueueConfig("high", weight=5))
    center.put_queue(QueueConfig("other"))
    center.put_agent(Agent("a", queues={"low": 0, "high": 0, "other": 0}))
    center.login("a", 0.0)
    call_in(center, "old_low", 0.0, queue="low", priority=5)
    call_in(center, "new_high", 50.0, queue="high")
    call_in(center, "other", 10.0, queue="other", priority=5)
    # weight 5 wins over priority and wait
    assert only(center.ready("a", 60.0), CallOffered)[0].call_id == "new_high"
    serve_and_release(center, "new_high", 61.0)
    # equal weights: the best effective priority; old_low (5 + 71/60) beats other (5 + 61/60)
    assert center.calls["old_low"].state is CallState.OFFERED
