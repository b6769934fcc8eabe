"""After an attended transfer each agent is credited with their own part of the call: the
domain's tallies and the state changes the per-agent report (``agent-calls``) counts."""

from __future__ import annotations

from helpline.domain.acd.agent import IN_CONVERSATION, Agent
from helpline.domain.acd.call import Call
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.events import AgentStateChanged, CallEnded, Event, SatisfactionRated


def credit(events: list[Event]) -> dict[str, tuple[int, float]]:
    """What the report counts from the state log: (handled, talk seconds) per agent."""
    out: dict[str, tuple[int, float]] = {}
    for e in events:
        if isinstance(e, AgentStateChanged) and e.call_id:
            handled, talk = out.get(e.agent_id, (0, 0.0))
            out[e.agent_id] = (
                handled + (e.new_state == "wrap_up"),
                talk + (e.duration if e.old_state in {s.value for s in IN_CONVERSATION} else 0.0),
            )
    return out


def test_consult_and_complete_credits_each_agent_with_their_own_part() -> None:
    center = ContactCenter()
    center.put_queue(QueueConfig("q"))
    events: list[Event] = []
    for n, agent_id in enumerate(("a", "b")):
        center.put_agent(Agent(agent_id, queues={"q": 0}, extension=f"80{n}"))
        events += center.login(agent_id, float(n), ready=True)
    events += center.arrive(Call("c1", caller="13912345678"), 5.0)
    events += center.enqueue("c1", "q", 5.0)
    events += center.answer("c1", "a", 10.0)  # a talks 10-20, consults b 20-30
    events += center.consult("c1", "a", "k1", 20.0, to_agent_id="b")
    events += center.answer("k1", "b", 22.0)
    events += center.complete_transfer("c1", "a", 30.0)
    events += center.hangup("c1", 50.0)  # b talks 22-50 (the consult, then the caller)
    events += center.rate("c1", 5, 55.0)

    a, b = center.agents["a"], center.agents["b"]
    assert (a.calls_today, a.talk_seconds_today) == (1, 20.0)
    assert (b.calls_today, b.talk_seconds_today) == (1, 28.0)
    assert credit(events) == {"a": (1, 20.0), "b": (1, 28.0)}
    ended = [e for e in events if isinstance(e, CallEnded) and e.call_id == "c1"]
    assert [e.agent_id for e in ended] == ["b"]  # the call ends with the second agent ...
    [rated] = [e for e in events if isinstance(e, SatisfactionRated)]
    assert rated.agent_id == "b"  # ... who is the one the caller rates
