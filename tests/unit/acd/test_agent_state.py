"""The agent state machine: every transition the table allows, and the ones it refuses."""

from __future__ import annotations

import pytest

from helpline.domain.acd.agent import (
    LOGIN_REASON,
    NO_ANSWER_REASON,
    TRANSITIONS,
    Agent,
    AgentState,
    check_skill_level,
)
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.events import AgentStateChanged

ALLOWED = [(cmd, src, dst) for cmd, table in TRANSITIONS.items() for src, dst in table.items()]
REFUSED = [(cmd, src) for cmd, table in TRANSITIONS.items() for src in AgentState if src not in table]


def agent_in(state: AgentState, since: float = 0.0) -> Agent:
    agent = Agent("a1", name="Ann", skills={"fr": 3})
    agent.state = state
    agent.state_since = since
    return agent


@pytest.mark.parametrize(
    ("command", "source", "target"), ALLOWED, ids=[f"{c}:{s.value}->{t.value}" for c, s, t in ALLOWED]
)
def test_every_allowed_transition(command: str, source: AgentState, target: AgentState) -> None:
    agent = agent_in(source, since=10.0)
    event = agent.apply(command, 25.0, reason="break", call_id="c1", by="sup")

    assert agent.state is target
    assert agent.state_since == 25.0
    assert isinstance(event, AgentStateChanged)
    assert (event.agent_id, event.old_state, event.new_state) == ("a1", source.value, target.value)
    assert event.at == 25.0 and event.duration == 15.0 and event.by == "sup"
    assert event.call_id == "c1"
    if target is AgentState.NOT_READY:
        expected = NO_ANSWER_REASON if command == "no_answer" else "break"
        assert agent.reason == event.reason == expected
    else:
        assert agent.reason is None and event.reason is None


@pytest.mark.parametrize(("command", "source"), REFUSED, ids=[f"{c}:{s.value}" for c, s in REFUSED])
def test_refused_transitions_raise_and_change_nothing(command: str, source: AgentState) -> None:
    agent = agent_in(source, since=3.0)
    agent.current_call_id = "c9"

    with pytest.raises(InvalidTransition) as caught:
        agent.apply(command, 10.0, reason="break")

    assert caught.value.code == "invalid_agent_transition"
    assert caught.value.fields == {"agent_id": "a1", "state": source.value, "command": command}
    assert agent.state is source and agent.state_since == 3.0 and agent.current_call_id == "c9"


def test_the_refusal_table_is_not_empty_where_it_matters() -> None:
    refused = set(REFUSED)
    assert ("offer", AgentState.NOT_READY) in refused  # a not-ready agent is never offered a call
    assert ("logout", AgentState.TALKING) in refused
    assert ("login", AgentState.READY) in refused
    assert ("force_ready", AgentState.TALKING) in refused
    assert ("answer", AgentState.READY) in refused


def test_not_ready_needs_a_reason() -> None:
    agent = agent_in(AgentState.READY)
    with pytest.raises(Invalid) as caught:
        agent.apply("not_ready", 1.0)
    assert caught.value.code == "reason_required"
    assert caught.value.fields == {"field": "reason"}
    assert agent.state is AgentState.READY


def test_unknown_command() -> None:
    with pytest.raises(Invalid) as caught:
        agent_in(AgentState.READY).apply("dance", 1.0)
    assert caught.value.code == "unknown_command"


def test_unknown_not_ready_reason_is_refused_by_the_core() -> None:
    center = ContactCenter(not_ready_reasons=("break", "meal"))
    center.put_queue(QueueConfig("q"))
    center.put_agent(Agent("a1", queues={"q": 0}))
    center.login("a1", 0.0, ready=True)

    with pytest.raises(Invalid) as caught:
        center.not_ready("a1", "nap", 1.0)

    assert caught.value.code == "unknown_reason"
    assert caught.value.fields["allowed"] == ["break", "meal"]
    assert center.agents["a1"].state is AgentState.READY
    # system reasons are always accepted
    [event] = center.not_ready("a1", "no_answer", 2.0)
    assert isinstance(event, AgentStateChanged) and event.reason == "no_answer"


def test_login_reason_and_idle_time() -> None:
    agent = Agent("a1")
    login = agent.apply("login", 5.0)
    assert login.new_state == "not_ready" and login.reason == LOGIN_REASON

    agent.apply("ready", 8.0)
    assert agent.idle_since == 8.0
    agent.apply("ready", 12.0)  # ready while ready: still idle since 8
    assert agent.idle_since == 8.0

    agent.apply("offer", 13.0, call_id="c1")
    assert agent.current_call_id == "c1"
    agent.apply("answer", 14.0)
    hangup = agent.apply("hangup", 20.0)
    assert hangup.call_id == "c1" and hangup.duration == 6.0
    assert agent.current_call_id == "c1"  # still known during after-call work
    agent.apply("end_wrap_up", 22.0)
    assert agent.current_call_id is None and agent.idle_since == 22.0


def test_a_pending_not_ready_is_consumed_when_the_agent_goes_not_ready() -> None:
    agent = agent_in(AgentState.WRAP_UP)
    agent.pending_not_ready = "meal"
    agent.apply("not_ready", 1.0, reason="meal")
    assert agent.pending_not_ready is None

    agent = agent_in(AgentState.WRAP_UP)
    agent.pending_not_ready = "meal"
    agent.apply("ready", 1.0)  # readying on purpose withdraws the request
    assert agent.pending_not_ready is None


def test_skills_and_qualification() -> None:
    agent = Agent("a1", skills={"fr": 3, "en": 5})
    assert agent.qualifies({"fr": 3})
    assert agent.qualifies({"fr": 2, "en": 5})
    assert not agent.qualifies({"fr": 4})
    assert not agent.qualifies({"de": 1})
    assert agent.qualifies({})
    assert agent.skill_score({"fr": 1, "en": 1}) == 8
    assert agent.skill_score(frozenset({"de"})) == 0

    agent.count_call(30.0)
    agent.count_call(12.5)
    assert (agent.calls_today, agent.talk_seconds_today) == (2, 42.5)
    agent.reset_day()
    assert (agent.calls_today, agent.talk_seconds_today) == (0, 0.0)


@pytest.mark.parametrize(
    ("skill", "level", "code"),
    [
        ("fr", 0, "invalid_skill_level"),
        ("fr", 11, "invalid_skill_level"),
        ("", 3, "invalid_skill"),
    ],
)
def test_skill_levels_run_from_1_to_10(skill: str, level: int, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_skill_level(skill, level)
    assert caught.value.code == code
    with pytest.raises(Invalid):
        Agent("a1", skills={skill: level})
