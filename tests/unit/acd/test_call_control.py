"""Call control: hold, blind and attended transfer, consult, conference, dial-out, supervisors, rating."""

from __future__ import annotations

from typing import TypeVar

import pytest

from helpline.domain.acd.agent import Agent, AgentState
from helpline.domain.acd.call import Call, CallState, Direction
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import (
    AgentStateChanged,
    CallAnswered,
    CallArrived,
    CallEnded,
    CallHeld,
    CallOffered,
    CallOfferEnded,
    CallQueued,
    CallRetrieved,
    CallTransferred,
    ConferenceStarted,
    ConsultEnded,
    ConsultStarted,
    Event,
    SatisfactionRated,
    SupervisorJoined,
    SupervisorLeft,
)

T = TypeVar("T")


def only(events: list[Event], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]


def one(events: list[Event], kind: type[T]) -> T:
    [event] = only(events, kind)
    return event


def state(center: ContactCenter, agent_id: str) -> AgentState:
    return center.agents[agent_id].state


@pytest.fixture
def center() -> ContactCenter:
    """Queues q and billing; agents a, b, c in q (and c in billing), ready at t=0, 1, 2.

    Call c1 rings at a (the longest idle) and a answers at t=10.
    """
    center = ContactCenter()
    center.put_queue(QueueConfig("q"))
    center.put_queue(QueueConfig("billing"))
    for n, (agent_id, queues) in enumerate((("a", {"q": 0}), ("b", {"q": 0}), ("c", {"q": 0, "billing": 0}))):
        center.put_agent(Agent(agent_id, queues=queues, extension=f"80{n}"))
        center.login(agent_id, float(n), ready=True)
    center.arrive(Call("c1", caller="13912345678"), 5.0)
    center.enqueue("c1", "q", 5.0)
    center.answer("c1", "a", 10.0)
    return center


# ---- hold -----------------------------------------------------------------------------------


def test_hold_and_retrieve_record_the_durations(center: ContactCenter) -> None:
    events = center.hold("c1", "a", 20.0)
    assert one(events, CallHeld).agent_id == "a"
    assert state(center, "a") is AgentState.ON_HOLD and center.calls["c1"].state is CallState.ON_HOLD
    with pytest.raises(InvalidTransition):
        center.hold("c1", "a", 21.0)

    assert one(center.retrieve("c1", "a", 35.0), CallRetrieved).held == 15.0
    center.hold("c1", "a", 40.0)
    assert one(center.retrieve("c1", "a", 42.5), CallRetrieved).held == 2.5
    assert state(center, "a") is AgentState.TALKING and center.calls["c1"].held_total == 17.5

    center.hold("c1", "a", 50.0)
    ended = one(center.hangup("c1", 60.0), CallEnded)  # the caller hangs up while held
    assert (ended.held, ended.talk, ended.agent_id) == (27.5, 50.0, "a")


def test_only_the_agent_on_the_call_may_hold_it(center: ContactCenter) -> None:
    with pytest.raises(InvalidTransition) as caught:
        center.hold("c1", "b", 20.0)
    assert caught.value.code == "not_on_this_call"
    with pytest.raises(InvalidTransition):
        center.retrieve("c1", "a", 20.0)  # not on hold


# ---- blind transfer -------------------------------------------------------------------------


def test_blind_transfer_to_a_queue(center: ContactCenter) -> None:
    center.not_ready("b", "break", 11.0)
    events = center.transfer("c1", "a", 20.0, to_queue_id="billing")

    transferred = one(events, CallTransferred)
    assert (transferred.from_agent_id, transferred.to_queue_id, transferred.flow) == ("a", "billing", "blind")
    assert one(events, CallQueued).queue_id == "billing"
    assert one(events, CallOffered).agent_ids == ("c",)
    assert state(center, "a") is AgentState.READY  # no wrap-up configured
    answered = one(center.answer("c1", "c", 25.0), CallAnswered)
    assert (answered.queue_id, answered.waited) == ("billing", 0.0)  # the caller's wait was counted once
    assert center.calls["c1"].answered_at == 10.0
    assert center.agents["a"].calls_today == 1 and center.agents["a"].talk_seconds_today == 10.0


def test_blind_transfer_to_an_agent(center: ContactCenter) -> None:
    events = center.transfer("c1", "a", 20.0, to_agent_id="b")
    assert one(events, CallTransferred).to_agent_id == "b"
    assert one(events, CallOffered).agent_ids == ("b",)
    center.answer("c1", "b", 22.0)
    assert center.calls["c1"].agent_id == "b" and state(center, "b") is AgentState.TALKING


def test_a_transfer_the_target_does_not_take_goes_back_to_the_queue(center: ContactCenter) -> None:
    center.transfer("c1", "a", 20.0, to_agent_id="b")
    center.not_ready("a", "break", 21.0)
    center.not_ready("c", "break", 21.0)
    events = center.advance(35.0)  # b does not answer
    assert one(events, CallOfferEnded).cause == "timeout"
    assert one(events, CallQueued).queue_id == "q"
    assert center.calls["c1"].state is CallState.QUEUED
    assert center.next_deadline() is None  # no stale timer; nothing else is due


def test_blind_transfer_to_an_outside_number(center: ContactCenter) -> None:
    events = center.transfer("c1", "a", 20.0, to_number="95555")
    assert one(events, CallTransferred).to_number == "95555"
    ended = one(events, CallEnded)
    assert (ended.ended_by, ended.talk, ended.agent_id) == ("transfer", 10.0, "a")
    assert center.calls["c1"].state is CallState.ENDED


def test_transfer_needs_exactly_one_ready_target(center: ContactCenter) -> None:
    with pytest.raises(Invalid) as caught:
        center.transfer("c1", "a", 20.0)
    assert caught.value.code == "one_target"
    with pytest.raises(Invalid):
        center.transfer("c1", "a", 20.0, to_queue_id="q", to_number="1")
    center.not_ready("b", "break", 19.0)
    with pytest.raises(InvalidTransition) as refused:
        center.transfer("c1", "a", 20.0, to_agent_id="b")
    assert refused.value.code == "agent_not_available"
    with pytest.raises(NotFound):
        center.transfer("c1", "a", 20.0, to_queue_id="nowhere")
    assert state(center, "a") is AgentState.TALKING and center.calls["c1"].agent_id == "a"


# ---- consult, attended transfer, conference ----------------------------------------------------


def test_consult_then_cancel(center: ContactCenter) -> None:
    events = center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    started = one(events, ConsultStarted)
    assert (started.agent_id, started.consult_call_id, started.target_agent_id) == ("a", "k1", "b")
    assert one(events, CallArrived).direction == "internal"
    assert one(events, CallOffered).agent_ids == ("b",)
    assert state(center, "a") is AgentState.CONSULTING and center.calls["c1"].state is CallState.ON_HOLD
    with pytest.raises(InvalidTransition) as caught:
        center.consult("c1", "a", "k2", 21.0, to_agent_id="c")
    assert caught.value.code == "already_consulting"

    assert one(center.answer("k1", "b", 22.0), CallAnswered).call_id == "k1"
    events = center.cancel_consult("c1", "a", 30.0)
    assert one(events, ConsultEnded).outcome == "cancelled"
    assert one(events, CallRetrieved).held == 10.0
    assert state(center, "a") is AgentState.TALKING and center.calls["c1"].state is CallState.TALKING
    assert state(center, "b") is AgentState.READY
    assert center.calls["k1"].state is CallState.ENDED


def test_cancelling_a_consult_that_still_rings_frees_the_colleague(center: ContactCenter) -> None:
    center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    center.arrive(Call("c2"), 21.0)
    center.enqueue("c2", "q", 21.0)  # waits: b rings, c is ready -> c takes it
    center.arrive(Call("c3"), 22.0)
    center.enqueue("c3", "q", 22.0)  # waits
    events = center.cancel_consult("c1", "a", 25.0)
    ended = one(events, CallOfferEnded)
    assert (ended.call_id, ended.agent_id, ended.cause) == ("k1", "b", "consult_cancelled")
    assert one(events, CallOffered).call_id == "c3"  # b goes straight to the waiting caller
    assert center.calls["c3"].offered_to == {"b"}


def test_a_consult_nobody_answers_returns_the_agent_to_the_caller(center: ContactCenter) -> None:
    center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    events = center.advance(35.0)
    assert one(events, ConsultEnded).outcome == "cancelled"
    assert state(center, "a") is AgentState.TALKING
    assert state(center, "b") is AgentState.NOT_READY and center.agents["b"].reason == "no_answer"


def test_attended_transfer(center: ContactCenter) -> None:
    center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    with pytest.raises(InvalidTransition) as caught:
        center.complete_transfer("c1", "a", 21.0)
    assert caught.value.code == "consult_not_answered"
    center.answer("k1", "b", 22.0)

    events = center.complete_transfer("c1", "a", 30.0)
    assert one(events, ConsultEnded).outcome == "transferred"
    transferred = one(events, CallTransferred)
    assert (transferred.from_agent_id, transferred.to_agent_id, transferred.flow) == ("a", "b", "attended")
    assert state(center, "a") is AgentState.READY
    assert state(center, "b") is AgentState.TALKING and center.agents["b"].current_call_id == "c1"
    call = center.calls["c1"]
    assert call.agent_id == "b" and call.state is CallState.TALKING and call.held_total == 10.0

    ended = one(center.hangup("c1", 50.0), CallEnded)
    assert (ended.agent_id, ended.talk, ended.held) == ("b", 40.0, 10.0)
    assert state(center, "b") is AgentState.READY


def test_conference_and_leaving_it(center: ContactCenter) -> None:
    center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    center.answer("k1", "b", 22.0)
    events = center.conference("c1", "a", 25.0)
    assert one(events, ConsultEnded).outcome == "conferenced"
    assert one(events, ConferenceStarted).agent_ids == ("a", "b")
    assert state(center, "a") is AgentState.CONFERENCE and state(center, "b") is AgentState.CONFERENCE
    assert center.calls["c1"].state is CallState.TALKING
    with pytest.raises(InvalidTransition):
        center.hold("c1", "a", 26.0)

    events = center.hangup("c1", 40.0, by="agent", agent_id="a")  # a leaves, the call goes on
    assert not only(events, CallEnded)
    changes = {(e.agent_id, e.new_state) for e in only(events, AgentStateChanged)}
    assert ("a", "wrap_up") in changes and ("b", "talking") in changes
    assert center.calls["c1"].agent_id == "b"

    ended = one(center.hangup("c1", 60.0), CallEnded)
    assert ended.agent_id == "b"
    assert state(center, "b") is AgentState.READY


def test_the_caller_hanging_up_during_a_consult_ends_both_legs(center: ContactCenter) -> None:
    center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    center.answer("k1", "b", 21.0)
    events = center.hangup("c1", 30.0)
    assert one(events, ConsultEnded).outcome == "cancelled"
    assert one(events, CallEnded).call_id == "c1"
    assert center.calls["k1"].is_final
    assert state(center, "a") is AgentState.READY and state(center, "b") is AgentState.READY


def test_outside_consult_and_transfer_to_the_number(center: ContactCenter) -> None:
    events = center.consult("c1", "a", "k1", 20.0, to_number="95555")
    assert one(events, ConsultStarted).target_number == "95555"
    assert center.calls["k1"].state is CallState.DIALING
    assert one(center.far_end_answered("k1", 25.0), CallAnswered).agent_id == "a"
    events = center.complete_transfer("c1", "a", 30.0)
    assert one(events, CallTransferred).to_number == "95555"
    assert one(events, CallEnded).ended_by == "transfer"


def test_consult_targets(center: ContactCenter) -> None:
    with pytest.raises(Invalid):
        center.consult("c1", "a", "k1", 20.0)
    with pytest.raises(InvalidTransition) as caught:
        center.consult("c1", "a", "k1", 20.0, to_agent_id="a")
    assert caught.value.code == "agent_not_available"
    with pytest.raises(InvalidTransition):
        center.cancel_consult("c1", "a", 20.0)
    assert "k1" not in center.calls


def test_the_consulted_colleague_can_only_hang_up_their_leg(center: ContactCenter) -> None:
    center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    center.answer("k1", "b", 21.0)
    for refused in (
        lambda: center.hold("k1", "b", 22.0),
        lambda: center.transfer("k1", "b", 22.0, to_queue_id="q"),
        lambda: center.consult("k1", "b", "k2", 22.0, to_agent_id="c"),
    ):
        with pytest.raises(InvalidTransition) as caught:
            refused()
        assert caught.value.code == "consult_leg"
    events = center.hangup("k1", 25.0, by="agent", agent_id="b")
    assert one(events, ConsultEnded).outcome == "cancelled"
    assert state(center, "a") is AgentState.TALKING


def test_no_transfer_while_consulting_or_in_a_conference(center: ContactCenter) -> None:
    center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    with pytest.raises(InvalidTransition):
        center.transfer("c1", "a", 21.0, to_number="95555")
    assert state(center, "a") is AgentState.CONSULTING and center.calls["c1"].state is CallState.ON_HOLD


# ---- outbound ---------------------------------------------------------------------------------


def test_outbound_dial_and_far_end_answer() -> None:
    center = ContactCenter()
    center.put_queue(QueueConfig("q"))
    center.put_agent(Agent("a", queues={"q": 0}, extension="801"))
    center.login("a", 0.0)  # not ready: agents may dial out while not ready
    events = center.dial("a", "13900000000", "o1", 5.0)
    assert one(events, AgentStateChanged).new_state == "reserved"
    arrived = one(events, CallArrived)
    assert (arrived.direction, arrived.caller, arrived.callee) == ("outbound", "801", "13900000000")
    call = center.calls["o1"]
    assert call.state is CallState.DIALING and call.direction is Direction.OUTBOUND

    events = center.far_end_answered("o1", 12.0)
    answered = one(events, CallAnswered)
    assert (answered.agent_id, answered.queue_id, answered.rang) == ("a", None, 7.0)
    assert state(center, "a") is AgentState.TALKING
    with pytest.raises(InvalidTransition):
        center.far_end_answered("o1", 13.0)

    ended = one(center.hangup("o1", 42.0, by="agent", agent_id="a"), CallEnded)
    assert (ended.talk, ended.ended_by) == (30.0, "agent")


def test_dial_refusals_change_nothing() -> None:
    center = ContactCenter()
    center.put_agent(Agent("a"))
    center.login("a", 0.0)
    with pytest.raises(Invalid):
        center.dial("a", "", "o1", 1.0)
    center.arrive(Call("taken"), 1.0)
    with pytest.raises(InvalidTransition) as caught:
        center.dial("a", "139", "taken", 2.0)
    assert caught.value.code == "duplicate_call"
    assert state(center, "a") is AgentState.NOT_READY and center.agents["a"].current_call_id is None


def test_forcing_a_dialing_agent_out_ends_the_outbound_call() -> None:
    center = ContactCenter()
    center.put_agent(Agent("a"))
    center.login("a", 0.0)
    center.dial("a", "139", "o1", 1.0)
    events = center.force_logout("a", 2.0, by="lead")
    ended = one(events, CallEnded)
    assert (ended.call_id, ended.ended_by) == ("o1", "supervisor")
    assert center.calls["o1"].is_final and state(center, "a") is AgentState.LOGGED_OUT
    with pytest.raises(InvalidTransition):
        center.far_end_answered("o1", 3.0)


# ---- supervisors ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["listen", "whisper", "barge"])
def test_supervise_modes_leave_the_agent_on_the_call(center: ContactCenter, mode: str) -> None:
    joined = one(center.supervise("c1", "lead", mode, 20.0), SupervisorJoined)
    assert (joined.supervisor_id, joined.mode, joined.agent_id) == ("lead", mode, "a")
    assert state(center, "a") is AgentState.TALKING and center.calls["c1"].agent_id == "a"
    assert one(center.unsupervise("c1", "lead", 30.0), SupervisorLeft).supervisor_id == "lead"
    with pytest.raises(InvalidTransition) as caught:
        center.unsupervise("c1", "lead", 31.0)
    assert caught.value.code == "not_supervising"


def test_intercept_takes_the_call_from_the_agent(center: ContactCenter) -> None:
    center.hold("c1", "a", 15.0)
    events = center.supervise("c1", "lead", "intercept", 20.0)
    assert one(events, SupervisorJoined).mode == "intercept"
    changes = [(e.old_state, e.new_state) for e in only(events, AgentStateChanged)]
    assert changes == [("on_hold", "wrap_up"), ("wrap_up", "ready")]  # no wrap-up configured
    call = center.calls["c1"]
    assert call.agent_id is None and call.state is CallState.TALKING and call.held_total == 5.0
    assert call.data["intercepted_by"] == "lead"
    ended = one(center.hangup("c1", 60.0), CallEnded)
    assert ended.agent_id is None and ended.talk == 50.0


def test_intercepting_a_consulting_agent_ends_the_consult(center: ContactCenter) -> None:
    center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    center.answer("k1", "b", 21.0)
    events = center.supervise("c1", "lead", "intercept", 25.0)
    assert one(events, ConsultEnded).outcome == "cancelled"
    assert center.calls["k1"].is_final
    assert state(center, "a") is AgentState.READY and state(center, "b") is AgentState.READY
    assert center.agents["a"].consult_call_id is None


def test_supervise_refusals(center: ContactCenter) -> None:
    with pytest.raises(Invalid) as caught:
        center.supervise("c1", "lead", "spy", 20.0)
    assert caught.value.code == "invalid_mode"
    center.arrive(Call("c2"), 20.0)
    with pytest.raises(InvalidTransition) as refused:
        center.supervise("c2", "lead", "listen", 21.0)
    assert refused.value.code == "call_not_active"


# ---- satisfaction -----------------------------------------------------------------------------


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_rate_one_to_five(center: ContactCenter, score: int) -> None:
    center.hangup("c1", 20.0, by="agent", agent_id="a")
    rated = one(center.rate("c1", score, 25.0), SatisfactionRated)
    assert (rated.call_id, rated.agent_id, rated.score) == ("c1", "a", score)
    assert center.calls["c1"].data["satisfaction"] == score


@pytest.mark.parametrize("score", [0, 6, -1])
def test_rate_out_of_range(center: ContactCenter, score: int) -> None:
    with pytest.raises(Invalid) as caught:
        center.rate("c1", score, 25.0)
    assert caught.value.code == "invalid_score"


def test_only_answered_calls_are_rated_and_the_last_agent_is_credited(center: ContactCenter) -> None:
    center.arrive(Call("c2"), 11.0)
    with pytest.raises(InvalidTransition) as caught:
        center.rate("c2", 5, 12.0)
    assert caught.value.code == "call_not_answered"

    center.transfer("c1", "a", 20.0, to_number="95555")  # the call leaves the agent
    assert center.calls["c1"].agent_id is None
    assert one(center.rate("c1", 4, 21.0), SatisfactionRated).agent_id == "a"
