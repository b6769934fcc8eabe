"""The live event stream: snapshot first, then events; resume; tenant and role filtering."""

from __future__ import annotations

from typing import Any

import pytest
from acd_helpers import Floor
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _next_event(ws: Any, type_: str) -> dict[str, Any]:
    for _ in range(50):
        message = ws.receive_json()
        if message.get("event", {}).get("type") == type_:
            return dict(message)
    raise AssertionError(f"no {type_} event")


def test_snapshot_then_events_in_order(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    agent_id, _agent = floor.agent({"general": 0})
    with client.websocket_connect(f"/api/v1/events?token={_token(floor.leader)}") as ws:
        snapshot = ws.receive_json()
        assert snapshot["type"] == "snapshot"
        assert [a["state"] for a in snapshot["data"]["agents"] if a["id"] == agent_id] == ["ready"]
        assert snapshot["data"]["queues"][0]["queue_id"] == "general"
        call_id = floor.call()
        queued = _next_event(ws, "call_queued")
        assert queued["event"]["call_id"] == call_id
        assert queued["seq"] > snapshot["seq"]
        offered = _next_event(ws, "call_offered")
        assert offered["event"]["agent_ids"] == [agent_id]
        assert offered["seq"] > queued["seq"]


def test_a_reconnecting_client_gets_what_it_missed(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    with client.websocket_connect(f"/api/v1/events?token={_token(floor.leader)}") as ws:
        seq = ws.receive_json()["seq"]
    call_id = floor.call()
    url = f"/api/v1/events?token={_token(floor.leader)}&since={seq}"
    with client.websocket_connect(url) as ws:
        first = ws.receive_json()
        assert "type" not in first or first["type"] != "snapshot"
        assert first["seq"] == seq + 1
        assert first["event"]["type"] == "call_arrived" and first["event"]["call_id"] == call_id
    with client.websocket_connect(f"/api/v1/events?token={_token(floor.leader)}&since=999999") as ws:
        assert ws.receive_json()["type"] == "snapshot"  # too far ahead: start from a snapshot


def test_agents_see_only_their_own_events_and_tenants_are_apart(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    first_id, _first = floor.agent({"general": 0})
    _, second = floor.agent({"general": 5}, ready=False)
    other = Floor(client, make_user, tenant="other")
    with (
        client.websocket_connect(f"/api/v1/events?token={_token(second)}") as mine,
        client.websocket_connect(f"/api/v1/events?token={_token(other.leader)}") as theirs,
    ):
        snapshot = mine.receive_json()
        assert [a["id"] for a in snapshot["data"]["agents"]] != [first_id]
        assert theirs.receive_json()["data"]["agents"] == []
        floor.call()
        client.post("/api/v1/agents/me/login", headers=second)
        message = mine.receive_json()
        assert message["event"]["agent_id"] != first_id  # the first agent's offer is not shown
        assert message["event"]["new_state"] == "not_ready"
    # the other tenant received nothing of ours: its next message would be its own
    other.queue("general")
    other_call = other.call()
    with client.websocket_connect(f"/api/v1/events?token={_token(other.leader)}&since=0") as ws:
        event = ws.receive_json()["event"]
        assert event["tenant_id"] == "other" and event["call_id"] == other_call


def test_bad_token_is_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/api/v1/events?token=garbage") as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 1008
