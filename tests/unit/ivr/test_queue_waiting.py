"""What a waiting caller is told: their place in line and an expected wait that follows the
queue's handle times and the agents signed in to it."""

from __future__ import annotations

from helpline.app.ivr.queue_waiting import DEFAULT_HANDLE_SECONDS, _position_text, place_in_line
from helpline.domain.acd.agent import Agent
from helpline.domain.acd.call import Call
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import QueueConfig


def floor() -> ContactCenter:
    center = ContactCenter("t")
    center.put_queue(QueueConfig("q"))
    for agent_id in ("a", "b"):
        center.put_agent(Agent(agent_id, "t", queues={"q": 0}))
    return center


def test_place_and_expected_wait_follow_the_queue() -> None:
    center = floor()
    center.login("a", 0.0)  # signed in, not ready: counts as staff, takes no call
    for n in range(3):
        center.arrive(Call(f"c{n}", "t", caller=f"13{n}", callee="100"), float(n))
        center.enqueue(f"c{n}", "q", float(n))
    place = place_in_line(center, "c2", 10.0)
    assert place is not None
    assert (place["position"], place["waited"], place["callee"]) == (3, 8.0, "100")
    assert place["expected"] == 3 * DEFAULT_HANDLE_SECONDS  # one agent signed in, no history yet
    center.login("b", 10.0)
    center.agents["a"].count_call(60.0)
    center.agents["b"].count_call(120.0)
    assert place_in_line(center, "c2", 11.0)["expected"] == 3 * 90.0 / 2  # type: ignore[index]
    assert place_in_line(center, "nope", 11.0) is None


def test_a_call_no_longer_waiting_has_no_place() -> None:
    center = floor()
    center.login("a", 0.0, ready=True)
    center.arrive(Call("c", "t"), 0.0)
    center.enqueue("c", "q", 0.0)  # offered to "a" at once: ringing, not waiting
    assert place_in_line(center, "c", 1.0) is None


def test_the_announcement_in_both_languages() -> None:
    text = _position_text({"position": 2, "expected": 61.0})
    assert text == {
        "zh": "您前面还有1位客户，预计等待2分钟。",
        "en": "There is 1 caller ahead of you. The expected wait is 2 minutes.",
    }
    assert _position_text({"position": 1, "expected": 5.0})["en"].startswith("There are 0 callers")
