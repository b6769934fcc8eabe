"""Calls through the ACD: ring timeouts, exits, overflow, abandons, wrap-up and agent commands."""

from __future__ import annotations

from typing import TypeVar

import pytest

from helpline.domain.acd.agent import Agent, AgentState, WorkMode
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import AfterWrapUp, ExitAction, OverflowStep, QueueConfig
from helpline.domain.errors import DomainError, Invalid, InvalidTransition, NotFound
from helpline.domain.events import (
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallExitedQueue,
    CallOffered,
    CallOfferEnded,
    CallOverflowed,
    CallQueued,
    Event,
)

T = TypeVar("T")


def only(events: list[Event], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]


def names(events: list[Event]) -> list[str]:
    return [e.name for e in events]


def center_with(
    *configs: QueueConfig,
    agents: dict[str, dict[str, int]] | None = None,
    ready: bool = True,
    **agent_kw: object,
) -> ContactCenter:
    """Queues in order, then agents (id -> queue memberships) logged in at t=0, one per second."""
    center = ContactCenter()
    for config in configs:
        center.put_queue(config)
    for n, (agent_id, queues) in enumerate((agents or {}).items()):
        center.put_agent(Agent(agent_id, queues=queues, **agent_kw))  # type: ignore[arg-type]
        center.login(agent_id, float(n), ready=ready)
    return center


def new_call(
    center: ContactCenter, call_id: str, now: float, queue: str = "q", priority: int = 0
) -> list[Event]:
    center.arrive(Call(call_id, caller="13912345678"), now)
    return center.enqueue(call_id, queue, now, priority=priority)


def state(center: ContactCenter, agent_id: str) -> AgentState:
    return center.agents[agent_id].state


def waiting(center: ContactCenter, queue: str = "q") -> list[str]:
    return [call_id for _, _, call_id in center.router.queues[queue].waiting]


# ---- ring timeout and reject ----------------------------------------------------------------


def test_ring_timeout_sets_the_agent_not_ready_and_offers_the_next_agent() -> None:
    center = center_with(QueueConfig("q", ring_timeout=20), agents={"a": {"q": 0}, "b": {"q": 0}})
    events = new_call(center, "c1", 10.0)
    assert only(events, CallOffered)[0].agent_ids == ("a",)
    assert center.next_deadline() == 30.0
    assert center.advance(29.9) == []

    events = center.advance(30.0)
    assert names(events) == ["call_offer_ended", "agent_state_changed", "agent_state_changed", "call_offered"]
    ended, to_not_ready, to_b, offer = events
    assert isinstance(ended, CallOfferEnded) and (ended.agent_id, ended.cause) == ("a", "timeout")
    assert isinstance(to_not_ready, AgentStateChanged)
    assert (to_not_ready.old_state, to_not_ready.new_state, to_not_ready.reason) == (
        "reserved",
        "not_ready",
        "no_answer",
    )
    assert isinstance(to_b, AgentStateChanged) and to_b.agent_id == "b"
    assert isinstance(offer, CallOffered) and offer.agent_ids == ("b",) and offer.waited == 20.0
    assert center.agents["a"].reason == "no_answer" and center.agents["a"].current_call_id is None


def test_an_unanswered_call_goes_back_to_the_head_of_its_queue() -> None:
    center = center_with(QueueConfig("q", ring_timeout=10), agents={"a": {"q": 0}})
    new_call(center, "first", 0.0)
    new_call(center, "second", 5.0)
    assert waiting(center) == ["second"]

    events = center.advance(10.0)
    assert not only(events, CallOffered)  # the only agent is now not ready
    assert waiting(center) == ["first", "second"]  # ahead of the later caller
    assert center.calls["first"].state is CallState.QUEUED

    center.put_agent(Agent("b", queues={"q": 0}))
    center.login("b", 11.0)
    assert only(center.ready("b", 12.0), CallOffered)[0].call_id == "first"


def test_reject_is_a_no_answer_and_the_call_moves_on() -> None:
    center = center_with(QueueConfig("q"), agents={"a": {"q": 0}, "b": {"q": 0}})
    new_call(center, "c1", 5.0)
    events = center.reject("c1", "a", 6.0)
    assert [(e.agent_id, e.cause) for e in only(events, CallOfferEnded)] == [("a", "rejected")]
    assert only(events, CallOffered)[0].agent_ids == ("b",)
    assert state(center, "a") is AgentState.NOT_READY and center.agents["a"].reason == "no_answer"
    with pytest.raises(InvalidTransition) as caught:
        center.reject("c1", "a", 7.0)
    assert caught.value.code == "call_not_offered_to_agent"


def test_answer_records_wait_and_ring_time() -> None:
    center = center_with(QueueConfig("q"), agents={"a": {"q": 0}}, ready=False)
    new_call(center, "c1", 10.0)
    center.ready("a", 25.0)
    events = center.answer("c1", "a", 28.0)
    [answered] = only(events, CallAnswered)
    assert (answered.agent_id, answered.queue_id, answered.waited, answered.rang) == ("a", "q", 18.0, 3.0)
    assert center.calls["c1"].state is CallState.TALKING and state(center, "a") is AgentState.TALKING
    assert center.advance(1000.0) == []  # ring and queue timers are gone


# ---- max wait and max length ----------------------------------------------------------------


@pytest.mark.parametrize("action", [ExitAction.VOICEMAIL, ExitAction.CALLBACK, ExitAction.HANGUP])
def test_max_wait_exit(action: ExitAction) -> None:
    center = center_with(QueueConfig("q", max_wait=60, exit_action=action))
    new_call(center, "c1", 100.0)
    assert center.next_deadline() == 160.0
    [exited] = center.advance(200.0)
    assert isinstance(exited, CallExitedQueue)
    assert (exited.cause, exited.action, exited.waited, exited.at) == ("max_wait", action.value, 60.0, 160.0)
    call = center.calls["c1"]
    assert call.state is CallState.EXITED and call.ended_at == 160.0 and call.is_final
    assert waiting(center) == []


def test_max_wait_exit_to_another_queue_keeps_the_wait() -> None:
    center = center_with(
        QueueConfig("backup"),
        QueueConfig("q", max_wait=30, exit_action=ExitAction.QUEUE, exit_queue_id="backup"),
        agents={"b": {"backup": 0}},
        ready=False,
    )
    new_call(center, "c1", 0.0)
    events = center.advance(30.0)
    assert names(events) == ["call_exited_queue", "call_queued"]
    exited, queued = events
    assert isinstance(exited, CallExitedQueue) and exited.action == "queue" and exited.to_queue_id == "backup"
    assert isinstance(queued, CallQueued) and queued.queue_id == "backup"
    events = center.ready("b", 45.0)
    assert only(events, CallOffered)[0].waited == 45.0  # counted from the first queue
    assert only(center.answer("c1", "b", 46.0), CallAnswered)[0].waited == 46.0


def test_max_wait_in_the_next_queue_counts_from_entering_it() -> None:
    center = center_with(
        QueueConfig("backup", max_wait=60, ring_timeout=10),
        QueueConfig("q", max_wait=30, exit_action=ExitAction.QUEUE, exit_queue_id="backup"),
        agents={"b": {"backup": 0}},
        ready=False,
    )
    new_call(center, "c1", 0.0)
    center.advance(30.0)  # into backup; its own max wait ends at 90
    center.ready("b", 60.0)
    events = center.advance(70.0)  # b does not answer: 70 s since the first queue, 40 in backup
    assert not only(events, CallExitedQueue)
    assert center.calls["c1"].state is CallState.QUEUED
    [exited] = only(center.advance(90.0), CallExitedQueue)
    assert (exited.queue_id, exited.cause, exited.waited) == ("backup", "max_wait", 90.0)


@pytest.mark.parametrize(
    ("action", "final"),
    [
        (ExitAction.VOICEMAIL, CallState.EXITED),
        (ExitAction.CALLBACK, CallState.EXITED),
        (ExitAction.HANGUP, CallState.EXITED),
        (ExitAction.QUEUE, CallState.QUEUED),
    ],
)
def test_max_length_exit(action: ExitAction, final: CallState) -> None:
    center = center_with(
        QueueConfig("other"),
        QueueConfig(
            "q",
            max_length=2,
            exit_action=action,
            exit_queue_id="other" if action is ExitAction.QUEUE else None,
        ),
    )
    new_call(center, "c1", 0.0)
    new_call(center, "c2", 1.0)
    events = new_call(center, "c3", 2.0)
    exited = only(events, CallExitedQueue)[0]
    assert (exited.cause, exited.action, exited.waited) == ("max_length", action.value, 0.0)
    assert center.calls["c3"].state is final
    assert waiting(center) == ["c1", "c2"]
    if action is ExitAction.QUEUE:
        assert waiting(center, "other") == ["c3"]


def test_full_exit_queues_pointing_at_each_other_end_in_a_hangup() -> None:
    center = ContactCenter()
    center.put_queue(QueueConfig("a", max_length=1))
    center.put_queue(QueueConfig("b", max_length=1, exit_action=ExitAction.QUEUE, exit_queue_id="a"))
    center.put_queue(QueueConfig("a", max_length=1, exit_action=ExitAction.QUEUE, exit_queue_id="b"))
    new_call(center, "c1", 0.0, queue="a")
    new_call(center, "c2", 0.0, queue="b")

    events = new_call(center, "c3", 0.0, queue="a")  # used to recurse forever

    exits = only(events, CallExitedQueue)
    assert [e.action for e in exits][-1] == "hangup"
    assert center.calls["c3"].state is CallState.EXITED
    assert waiting(center, "a") == ["c1"] and waiting(center, "b") == ["c2"]


def test_a_ringing_call_is_let_ring_past_max_wait_then_exits() -> None:
    center = center_with(QueueConfig("q", max_wait=20, ring_timeout=15), agents={"a": {"q": 0}}, ready=False)
    new_call(center, "c1", 0.0)
    center.ready("a", 10.0)  # rings 10..25, max wait at 20
    assert center.advance(20.0) == []
    assert center.calls["c1"].state is CallState.OFFERED
    events = center.advance(25.0)
    assert names(events) == ["call_offer_ended", "agent_state_changed", "call_exited_queue"]
    assert only(events, CallExitedQueue)[0].cause == "max_wait"


# ---- overflow -------------------------------------------------------------------------------


def test_overflow_to_another_queue() -> None:
    center = center_with(
        QueueConfig("b"),
        QueueConfig("q", overflow=(OverflowStep(30, to_queue_id="b"),)),
        agents={"x": {"b": 0}},
    )
    new_call(center, "c1", 0.0, priority=2)
    center.not_ready("x", "break", 0.0)
    center.ready("x", 1.0)  # x is not in q: nothing for x yet
    assert center.calls["c1"].state is CallState.QUEUED

    events = center.advance(30.0)
    assert names(events) == ["call_overflowed", "call_queued", "agent_state_changed", "call_offered"]
    overflow = only(events, CallOverflowed)[0]
    assert (overflow.queue_id, overflow.step, overflow.to_queue_id) == ("q", 1, "b")
    assert center.calls["c1"].queue_id == "b" and waiting(center) == []
    assert only(events, CallOffered)[0].waited == 30.0


def test_an_overflow_move_that_fires_while_the_call_rings_is_carried_out_after() -> None:
    center = center_with(
        QueueConfig("b"),
        QueueConfig("q", ring_timeout=15, overflow=(OverflowStep(10, to_queue_id="b"),)),
        agents={"a": {"q": 0}},
    )
    new_call(center, "c1", 0.0)  # rings at a from 0 to 15
    assert only(center.advance(10.0), CallOverflowed)
    assert center.calls["c1"].queue_id == "q"
    events = center.advance(15.0)
    assert only(events, CallQueued)[0].queue_id == "b"
    assert waiting(center, "b") == ["c1"] and waiting(center) == []


def test_overflow_steps_are_checked() -> None:
    with pytest.raises(Invalid) as caught:
        OverflowStep(10)
    assert caught.value.code == "invalid_overflow"
    with pytest.raises(Invalid):
        OverflowStep(-1, max_penalty=1)
    with pytest.raises(Invalid):
        OverflowStep(0, to_queue_id="b")  # a move needs time to pass
    with pytest.raises(Invalid):
        QueueConfig("q", overflow=(OverflowStep(5, to_queue_id="q"),))
    center = ContactCenter()
    with pytest.raises(NotFound):
        center.put_queue(QueueConfig("q", overflow=(OverflowStep(5, to_queue_id="nowhere"),)))


# ---- abandon --------------------------------------------------------------------------------


def test_abandon_while_queued() -> None:
    center = center_with(QueueConfig("q", max_wait=60, overflow=(OverflowStep(10, max_penalty=1),)))
    new_call(center, "c1", 5.0)
    [abandoned] = center.hangup("c1", 12.0)
    assert isinstance(abandoned, CallAbandoned)
    assert (abandoned.queue_id, abandoned.waited) == ("q", 7.0)
    assert center.calls["c1"].state is CallState.ABANDONED and waiting(center) == []
    assert center.advance(1000.0) == []  # no overflow or max-wait after the caller left
    with pytest.raises(InvalidTransition) as caught:
        center.hangup("c1", 13.0)
    assert caught.value.code == "call_ended"


def test_abandon_while_ringing_frees_the_agent_with_its_idle_time() -> None:
    center = center_with(QueueConfig("q"), agents={"a": {"q": 0}})
    new_call(center, "c1", 5.0)
    events = center.hangup("c1", 8.0, by="caller")
    assert names(events) == ["call_offer_ended", "agent_state_changed", "call_abandoned"]
    assert only(events, CallOfferEnded)[0].cause == "caller_hung_up"
    assert only(events, CallAbandoned)[0].waited == 3.0
    assert state(center, "a") is AgentState.READY and center.agents["a"].idle_since == 0.0
    assert center.advance(1000.0) == []  # the ring timer is gone


def test_hanging_up_in_the_ivr_is_no_abandon() -> None:
    center = center_with(QueueConfig("q"))
    center.arrive(Call("c1"), 0.0)
    [ended] = center.hangup("c1", 4.0)
    assert isinstance(ended, CallEnded) and ended.ended_by == "caller" and ended.queue_id is None


# ---- wrap-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "expected", "reason"),
    [
        (AfterWrapUp.READY, AgentState.READY, None),
        (AfterWrapUp.NOT_READY, AgentState.NOT_READY, "wrap_up_timeout"),
    ],
)
def test_wrap_up_timer(after: AfterWrapUp, expected: AgentState, reason: str | None) -> None:
    center = center_with(QueueConfig("q", wrapup_seconds=30, after_wrapup=after), agents={"a": {"q": 0}})
    new_call(center, "c1", 0.0)
    center.answer("c1", "a", 2.0)
    events = center.hangup("c1", 62.0, by="agent", agent_id="a")
    ended = only(events, CallEnded)[0]
    assert (ended.talk, ended.ended_by, ended.agent_id) == (60.0, "agent", "a")
    assert state(center, "a") is AgentState.WRAP_UP
    assert center.agents["a"].calls_today == 1 and center.agents["a"].talk_seconds_today == 60.0
    new_call(center, "c2", 70.0)  # waits: a is in wrap-up
    assert center.next_deadline() == 92.0

    events = center.advance(92.0)
    change = only(events, AgentStateChanged)[0]
    assert (change.old_state, change.new_state, change.reason, change.duration) == (
        "wrap_up",
        expected.value,
        reason,
        30.0,
    )
    offered = only(events, CallOffered)
    assert bool(offered) is (expected is AgentState.READY)


def test_ending_wrap_up_early() -> None:
    center = center_with(
        QueueConfig("q", wrapup_seconds=30, after_wrapup=AfterWrapUp.NOT_READY), agents={"a": {"q": 0}}
    )
    new_call(center, "c1", 0.0)
    center.answer("c1", "a", 1.0)
    center.hangup("c1", 10.0)
    [change] = center.end_wrap_up("a", 15.0)
    assert isinstance(change, AgentStateChanged) and change.new_state == "ready"  # on purpose: ready
    assert center.advance(100.0) == []  # the wrap-up timer was cancelled
    with pytest.raises(InvalidTransition) as caught:
        center.end_wrap_up("a", 101.0)
    assert caught.value.code == "not_in_wrap_up"


def test_a_new_call_during_wrap_up_waits_until_it_ends() -> None:
    center = center_with(QueueConfig("q", wrapup_seconds=10), agents={"a": {"q": 0}})
    new_call(center, "c1", 0.0)
    center.answer("c1", "a", 1.0)
    center.hangup("c1", 5.0)
    assert not only(new_call(center, "c2", 6.0), CallOffered)
    assert only(center.advance(15.0), CallOffered)[0].call_id == "c2"


# ---- not ready, work modes, supervisors ------------------------------------------------------


def test_not_ready_during_a_call_takes_effect_after_it() -> None:
    center = center_with(QueueConfig("q"), agents={"a": {"q": 0}})
    new_call(center, "c1", 0.0)
    center.answer("c1", "a", 1.0)
    assert center.not_ready("a", "meal", 5.0) == []
    assert center.agents["a"].pending_not_ready == "meal" and state(center, "a") is AgentState.TALKING
    new_call(center, "c2", 6.0)

    events = center.hangup("c1", 20.0)
    final = only(events, AgentStateChanged)[-1]
    assert (final.new_state, final.reason) == ("not_ready", "meal")
    assert not only(events, CallOffered)  # c2 keeps waiting
    assert center.agents["a"].pending_not_ready is None


def test_ready_during_the_call_withdraws_the_pending_not_ready() -> None:
    center = center_with(QueueConfig("q"), agents={"a": {"q": 0}})
    new_call(center, "c1", 0.0)
    center.answer("c1", "a", 1.0)
    center.not_ready("a", "meal", 2.0)
    assert center.ready("a", 3.0) == []
    events = center.hangup("c1", 10.0)
    assert only(events, AgentStateChanged)[-1].new_state == "ready"


def test_not_ready_while_ringing_applies_when_the_offer_is_lost() -> None:
    center = center_with(QueueConfig("q", strategy="ring_all"), agents={"a": {"q": 0}, "b": {"q": 0}})
    new_call(center, "c1", 5.0)
    assert center.not_ready("b", "break", 6.0) == []
    events = center.answer("c1", "a", 7.0)
    b_change = [e for e in only(events, AgentStateChanged) if e.agent_id == "b"]
    assert [(e.old_state, e.new_state, e.reason) for e in b_change] == [("reserved", "not_ready", "break")]
    assert center.router.queues["q"].ready_entry == {}


def test_manual_in_work_mode_stays_not_ready_after_each_call() -> None:
    center = center_with(
        QueueConfig("q", wrapup_seconds=5), agents={"a": {"q": 0}}, work_mode=WorkMode.MANUAL_IN
    )
    new_call(center, "c1", 0.0)
    center.answer("c1", "a", 1.0)
    center.hangup("c1", 10.0)
    [change] = center.advance(15.0)
    assert isinstance(change, AgentStateChanged)
    assert (change.new_state, change.reason) == ("not_ready", "manual_in")
    new_call(center, "c2", 16.0)
    assert only(center.ready("a", 20.0), CallOffered)[0].call_id == "c2"


def test_supervisor_forces_record_who_did_it() -> None:
    center = center_with(QueueConfig("q", wrapup_seconds=10), agents={"a": {"q": 0}, "b": {"q": 0}})
    [forced] = center.force_not_ready("a", 1.0, by="lead1")
    assert isinstance(forced, AgentStateChanged)
    assert (forced.new_state, forced.reason, forced.by) == ("not_ready", "forced", "lead1")
    [forced] = center.force_ready("a", 2.0, by="lead1")
    assert isinstance(forced, AgentStateChanged) and (forced.new_state, forced.by) == ("ready", "lead1")
    [forced] = center.force_logout("b", 3.0, by="lead2")
    assert isinstance(forced, AgentStateChanged)
    assert (forced.old_state, forced.new_state, forced.by) == ("ready", "logged_out", "lead2")
    assert "b" not in center.router.queues["q"].ready_entry


def test_force_not_ready_while_ringing_withdraws_the_offer() -> None:
    center = center_with(QueueConfig("q"), agents={"a": {"q": 0}, "b": {"q": 0}})
    new_call(center, "c1", 5.0)
    events = center.force_not_ready("a", 6.0, by="lead", reason="meeting")
    assert names(events) == ["call_offer_ended", "agent_state_changed", "call_offered", "agent_state_changed"]
    assert only(events, CallOfferEnded)[0].cause == "forced"
    assert only(events, CallOffered)[0].agent_ids == ("b",)
    last = only(events, AgentStateChanged)[-1]
    assert (last.agent_id, last.new_state, last.reason, last.by) == ("a", "not_ready", "meeting", "lead")


def test_force_logout_while_ringing_and_refused_while_talking() -> None:
    center = center_with(QueueConfig("q"), agents={"a": {"q": 0}, "b": {"q": 0}})
    new_call(center, "c1", 5.0)
    events = center.force_logout("a", 6.0, by="lead")
    assert only(events, CallOffered)[0].agent_ids == ("b",)
    assert state(center, "a") is AgentState.LOGGED_OUT
    center.answer("c1", "b", 7.0)
    with pytest.raises(InvalidTransition):
        center.force_logout("b", 8.0, by="lead")
    assert state(center, "b") is AgentState.TALKING
    assert center.force_not_ready("b", 9.0, by="lead") == []  # after the call
    assert center.agents["b"].pending_not_ready == "forced"


def test_logout_and_login_rules() -> None:
    center = center_with(QueueConfig("q"), agents={"a": {"q": 0}})
    new_call(center, "c1", 0.0)
    with pytest.raises(InvalidTransition):
        center.logout("a", 1.0)  # ringing
    center.answer("c1", "a", 2.0)
    with pytest.raises(InvalidTransition):
        center.logout("a", 3.0)
    center.hangup("c1", 4.0)
    [out] = center.logout("a", 5.0)
    assert isinstance(out, AgentStateChanged) and out.new_state == "logged_out"
    with pytest.raises(InvalidTransition):
        center.logout("a", 6.0)
    events = center.login("a", 7.0, ready=True)
    assert [e.new_state for e in only(events, AgentStateChanged)] == ["not_ready", "ready"]


# ---- refused commands change nothing ---------------------------------------------------------


def test_enqueue_to_an_unknown_queue_leaves_the_call_as_it_was() -> None:
    center = center_with(QueueConfig("q"))
    center.arrive(Call("c1"), 0.0)
    with pytest.raises(NotFound):
        center.enqueue("c1", "nope", 1.0, priority=5, skills={"fr": 3})
    call = center.calls["c1"]
    assert (call.priority, call.required_skills, call.state) == (0, {}, CallState.ARRIVED)


def test_unknown_objects() -> None:
    center = center_with(QueueConfig("q"))
    for command in (
        lambda: center.ready("ghost", 0.0),
        lambda: center.answer("nope", "ghost", 0.0),
        lambda: center.queue_status("nope", 0.0),
    ):
        with pytest.raises(NotFound):
            command()
    center.arrive(Call("c1"), 0.0)
    with pytest.raises(InvalidTransition) as caught:
        center.arrive(Call("c1"), 1.0)
    assert caught.value.code == "duplicate_call"
    center.enqueue("c1", "q", 1.0)
    with pytest.raises(InvalidTransition) as caught:
        center.enqueue("c1", "q", 2.0)
    assert caught.value.code == "call_not_in_ivr"


def test_queue_status_and_snapshot() -> None:
    center = center_with(QueueConfig("q", name="Sales"), agents={"a": {"q": 0}, "b": {"q": 1}})
    center.not_ready("b", "break", 2.0)
    new_call(center, "c1", 5.0)
    new_call(center, "c2", 10.0)
    status = center.queue_status("q", 20.0)
    assert status == {
        "queue_id": "q",
        "name": "Sales",
        "strategy": "longest_idle",
        "waiting": 1,
        "oldest_wait": 10.0,
        "agents": 2,
        "ready": 0,
        "agents_by_state": {"reserved": 1, "not_ready": 1},
    }
    snapshot = center.snapshot(20.0)
    assert [c["id"] for c in snapshot["calls"]] == ["c1", "c2"]  # type: ignore[index]


def test_domain_errors_carry_code_and_fields() -> None:
    center = center_with(QueueConfig("q"))
    with pytest.raises(DomainError) as caught:
        center.remove_queue("nope")
    assert caught.value.as_dict() == {
        "code": "queue_not_found",
        "message": "no queue nope",
        "queue_id": "nope",
    }


def test_agent_hanging_up_a_ringing_call_declines_it_and_the_next_agent_rings() -> None:
    from helpline.domain.acd.agent import Agent
    from helpline.domain.acd.call import Call
    from helpline.domain.acd.center import ContactCenter
    from helpline.domain.acd.queue import QueueConfig

    center = ContactCenter()
    center.put_queue(QueueConfig("q"))
    for name in ("a", "b"):
        center.put_agent(Agent(name, queues={"q": 0}))
        center.login(name, 0.0, ready=True)
    center.arrive(Call("c"), 1.0)
    center.enqueue("c", "q", 1.0)
    assert center.calls["c"].offered_to == {"a"}
    center.hangup("c", 2.0, by="agent", agent_id="a")
    assert center.agents["a"].state.value == "not_ready"
    assert center.calls["c"].offered_to == {"b"}


def test_a_new_skill_routes_a_waiting_call_at_once() -> None:
    from helpline.domain.acd.agent import Agent
    from helpline.domain.acd.call import Call
    from helpline.domain.acd.center import ContactCenter
    from helpline.domain.acd.queue import QueueConfig

    center = ContactCenter()
    center.put_queue(QueueConfig("q", required_skills={"en": 5}))
    center.put_agent(Agent("a", queues={"q": 0}, skills={"en": 2}))
    center.login("a", 0.0, ready=True)
    center.arrive(Call("c"), 1.0)
    center.enqueue("c", "q", 1.0)
    assert center.calls["c"].state.value == "queued"
    center.put_agent(Agent("a", queues={"q": 0}, skills={"en": 7}))
    events = center.reroute(2.0)
    assert [e.name for e in events][-1] == "call_offered"
    assert center.calls["c"].offered_to == {"a"}
