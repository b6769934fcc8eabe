"""内呼: an agent calls a colleague directly; it rings there as an internal call, both talk once
it is answered, and whoever hangs up (or a decline, or no answer) frees both."""

from __future__ import annotations

import pytest

from helpline.domain.acd.agent import Agent, AgentState
from helpline.domain.acd.call import CallState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.errors import InvalidTransition
from helpline.domain.events import CallAbandoned, CallAnswered, CallEnded, CallOffered


@pytest.fixture
def center() -> ContactCenter:
    center = ContactCenter()
    for agent_id, extension in (("a", "8001"), ("b", "8002"), ("c", "8003")):
        center.put_agent(Agent(agent_id, extension=extension))
        center.login(agent_id, 0.0, ready=agent_id != "c")
    return center


def state(center: ContactCenter, agent_id: str) -> AgentState:
    return center.agents[agent_id].state


def test_a_colleague_is_rung_and_both_talk_until_one_hangs_up(center: ContactCenter) -> None:
    events = center.call_colleague("a", "b", "i1", 10.0)
    [offered] = [e for e in events if isinstance(e, CallOffered)]
    assert offered.agent_ids == ("b",)
    call = center.calls["i1"]
    assert call.direction.value == "internal" and (call.caller, call.callee) == ("8001", "8002")
    assert state(center, "a") is AgentState.RESERVED and state(center, "b") is AgentState.RESERVED

    events = center.answer("i1", "b", 12.0)
    assert next(e for e in events if isinstance(e, CallAnswered)).agent_id == "b"
    assert state(center, "a") is AgentState.TALKING and state(center, "b") is AgentState.TALKING

    events = center.hangup("i1", 30.0, by="agent", agent_id="a")
    assert [e.ended_by for e in events if isinstance(e, CallEnded)] == ["agent"]
    assert center.calls["i1"].state is CallState.ENDED
    for agent_id in ("a", "b"):
        assert center.agents[agent_id].current_call_id is None
        assert state(center, agent_id) in (AgentState.WRAP_UP, AgentState.READY)


def test_declined_unanswered_or_cancelled_frees_the_caller(center: ContactCenter) -> None:
    center.call_colleague("a", "b", "i1", 10.0)
    center.reject("i1", "b", 11.0)  # declined
    assert center.calls["i1"].is_final and center.agents["a"].current_call_id is None
    assert state(center, "a") is not AgentState.RESERVED

    if state(center, "a") is AgentState.WRAP_UP:
        center.end_wrap_up("a", 12.0)
    center.ready("b", 13.0)
    center.call_colleague("a", "b", "i2", 14.0)
    events = center.hangup("i2", 15.0, by="caller", agent_id="a")  # the caller gives up
    assert not [e for e in events if isinstance(e, CallAbandoned)]  # not a lost customer call
    assert state(center, "b") is AgentState.READY and center.agents["a"].current_call_id is None

    if state(center, "a") is AgentState.WRAP_UP:
        center.end_wrap_up("a", 16.0)
    center.call_colleague("a", "b", "i3", 17.0)
    center.advance(17.0 + 120.0)  # nobody answers
    assert center.calls["i3"].is_final
    assert center.agents["a"].current_call_id is None and center.agents["b"].current_call_id is None


def test_only_a_ready_colleague_other_than_oneself(center: ContactCenter) -> None:
    for target in ("c", "a"):  # c is not ready; nobody calls themselves
        with pytest.raises(InvalidTransition) as caught:
            center.call_colleague("a", target, "x", 10.0)
        assert caught.value.code == "agent_not_available"
    assert "x" not in center.calls and state(center, "a") is AgentState.READY
