"""The events fan-out at scale: one serialisation per event, routing by user, slow clients
resynced from a snapshot instead of buffered, and ``?batch=1`` frames."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpline.adapters.bus import memory
from helpline.adapters.bus.memory import MemoryBus
from helpline.domain.events import AgentStateChanged, Event, QueueChanged
from helpline.web.api import events_ws
from helpline.web.api.events_ws import recipients, visible
from helpline.web.deps import Principal

TENANT = "default"


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _state(agent_id: str, new_state: str = "ready") -> AgentStateChanged:
    return AgentStateChanged(
        tenant_id=TENANT, at=time.time(), agent_id=agent_id, old_state="not_ready", new_state=new_state
    )


def _publish(client: TestClient, events: list[Event]) -> None:
    """Publish in one go on the app's loop: no connection can run between the events."""
    bus = client.app.state.container.bus  # type: ignore[attr-defined]
    client.portal.call(bus.publish, events)  # type: ignore[union-attr]


# -- the bus on its own ----------------------------------------------------------------------


def test_an_agent_listener_gets_only_what_is_routed_to_it() -> None:
    bus = MemoryBus()
    mine = bus.subscribe(TENANT, "a1", route=recipients)
    everything = bus.subscribe(TENANT)
    bus.publish([_state("a2"), _state("a1"), QueueChanged(tenant_id=TENANT, at=1.0, queue_id="general")])
    assert [item.event.get("agent_id") for item in mine.pending] == ["a1", None]  # own, and the queue's
    assert len(everything.pending) == 3
    mine.close()
    everything.close()
    assert bus.listeners(TENANT) == 0


def test_each_event_is_serialised_once_and_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    real = memory.dumps

    def counting(message: dict[str, Any]) -> str:
        calls.append(message)
        return real(message)

    monkeypatch.setattr(memory, "dumps", counting)
    bus = MemoryBus()
    leaders = [bus.subscribe(TENANT) for _ in range(50)]
    agent = bus.subscribe(TENANT, "a1", route=recipients)
    bus.publish([_state("a1"), _state("a2")])
    assert len(calls) == 2  # not 2 x 51
    texts = {leader.pending[0].text for leader in leaders}
    assert texts == {agent.pending[0].text}  # the very same text for every client
    assert texts == {real({"seq": 1, "published_at": calls[0]["published_at"], "event": calls[0]["event"]})}


def test_a_full_queue_is_dropped_and_flagged_not_grown() -> None:
    bus = MemoryBus()
    slow = bus.subscribe(TENANT, queue_size=3)
    bus.publish([_state(f"a{i}") for i in range(10)])
    assert slow.overflowed
    assert len(slow.pending) <= 3
    assert slow.pending[-1].seq == 10  # what came after the overflow is kept


def test_who_sees_what_keeps_its_contract() -> None:
    agent = Principal("a1", TENANT, "agent", "a1")
    leader = Principal("l1", TENANT, "leader", "l1")
    alert = {"topic": "floor", "type": "norm_alert", "agent_id": "a1"}
    message = {"topic": "floor", "type": "leader_message", "audience": ["a1", "a3"]}
    offer = {"topic": "call", "type": "call_offered", "agent_ids": ["a1"]}
    order = {"topic": "workorder", "type": "order_assigned", "owner_id": "a2", "assignee_id": "a1"}
    other = {"topic": "call", "type": "call_answered", "agent_id": "a2"}
    for event in (alert, message, offer, order):
        assert visible(event, agent), event
    assert not visible(other, agent)
    assert visible(other, leader)
    assert recipients({"topic": "queue", "type": "queue_changed"}) is None
    assert set(recipients(message) or ()) == {"a1", "a3"}


# -- through the WebSocket, on each database ---------------------------------------------------


def test_a_slow_client_is_resynced_from_a_snapshot(
    client: TestClient, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events_ws, "QUEUE_SIZE", 3)
    _, leader = make_user("leader")
    bus = client.app.state.container.bus  # type: ignore[attr-defined]
    with client.websocket_connect(f"/api/v1/events?token={_token(leader)}") as ws:
        first = ws.receive_json()
        assert first["type"] == "snapshot" and "resync" not in first
        _publish(client, [_state(f"agent{i}") for i in range(10)])  # more than the client may lag
        resync = ws.receive_json()
        assert resync["type"] == "snapshot" and resync["resync"] is True
        assert resync["seq"] == bus.last_seq(TENANT) == first["seq"] + 10
        _publish(client, [_state("agent1", "not_ready")])
        after = ws.receive_json()
        assert after["seq"] == resync["seq"] + 1 and after["event"]["new_state"] == "not_ready"


def test_batch_mode_sends_arrays_of_the_usual_messages(client: TestClient, make_user: Any) -> None:
    _, leader = make_user("leader")
    agent_user, agent = make_user("agent")
    base = "/api/v1/events?batch=1&token="
    with (
        client.websocket_connect(base + _token(leader)) as wall,
        client.websocket_connect(base + _token(agent)) as desk,
    ):
        seq = wall.receive_json()["seq"]
        assert desk.receive_json()["type"] == "snapshot"
        _publish(client, [_state("someone-else"), _state(agent_user.id), _state("someone-else")])
        frame = wall.receive_json()
        assert isinstance(frame, list)
        assert [m["seq"] for m in frame] == [seq + 1, seq + 2, seq + 3]
        mine = desk.receive_json()
        assert [(m["seq"], m["event"]["agent_id"]) for m in mine] == [(seq + 2, agent_user.id)]
    with client.websocket_connect(f"{base}{_token(leader)}&since={seq}") as again:
        missed = again.receive_json()  # a resume in batch mode: one array as well
        assert [m["seq"] for m in missed] == [seq + 1, seq + 2, seq + 3]


def test_agents_connections_do_not_wake_for_others(client: TestClient, make_user: Any) -> None:
    """Many agents connected: an event reaches the one it names, over the socket, and no one else."""
    agents = [make_user("agent") for _ in range(5)]
    bus = client.app.state.container.bus  # type: ignore[attr-defined]
    sockets = [client.websocket_connect(f"/api/v1/events?token={_token(h)}") for _, h in agents]
    try:
        opened = [s.__enter__() for s in sockets]
        for ws in opened:
            assert ws.receive_json()["type"] == "snapshot"
        assert bus.listeners(TENANT) >= 5
        target_user = agents[3][0]
        _publish(client, [_state(target_user.id)])
        message = opened[3].receive_json()
        assert message["event"]["agent_id"] == target_user.id
        listeners = bus._listeners[TENANT]
        for user, _ in agents:
            for subscription in listeners.by_recipient[user.id]:
                assert not subscription.pending  # nothing queued for anyone
    finally:
        for s in sockets:
            s.__exit__(None, None, None)
