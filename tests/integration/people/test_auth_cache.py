"""Signed-in users are cached for a few seconds; a change of role or status is seen at the
next request all the same (HTTP and the events WebSocket)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from testkit import MakeUser

USERS = "/api/v1/users"


def test_a_demoted_leader_loses_leader_rights_at_the_next_request(
    client: TestClient, make_user: MakeUser
) -> None:
    _, admin = make_user("admin")
    leader, headers = make_user("leader")
    assert client.get("/api/v1/calls", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).json()["role"] == "leader"  # now cached
    response = client.patch(f"{USERS}/{leader.id}", json={"role": "agent"}, headers=admin)
    assert response.status_code == 200, response.text
    assert client.get("/api/v1/auth/me", headers=headers).json()["role"] == "agent"
    promoted = client.patch(f"{USERS}/{leader.id}", json={"role": "supervisor"}, headers=admin)
    assert promoted.status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).json()["role"] == "supervisor"


def test_a_refused_change_leaves_the_cached_user_as_it_was(client: TestClient, make_user: MakeUser) -> None:
    admin_user, admin = make_user("admin")
    assert client.get("/api/v1/auth/me", headers=admin).json()["role"] == "admin"
    refused = client.patch(f"{USERS}/{admin_user.id}", json={"role": "agent"}, headers=admin)
    assert refused.status_code == 403
    assert client.get("/api/v1/auth/me", headers=admin).json()["role"] == "admin"


def test_a_disabled_user_cannot_open_the_events_socket(client: TestClient, make_user: MakeUser) -> None:
    _, admin = make_user("admin")
    agent, headers = make_user("agent")
    token = headers["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/api/v1/events?token={token}") as ws:
        assert ws.receive_json()["type"] == "snapshot"  # the user is cached now
    assert client.patch(f"{USERS}/{agent.id}", json={"is_active": False}, headers=admin).status_code == 200
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(f"/api/v1/events?token={token}"),
    ):
        pass
    assert closed.value.code == 1008
