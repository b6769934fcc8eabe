"""The colleague directory (``GET /api/v1/agents/directory``) on SQLite and PostgreSQL: every
signed-in user of a tenant sees its agents with a coarse presence, and nothing more."""

from __future__ import annotations

from typing import Any

from acd_helpers import Floor
from fastapi.testclient import TestClient


def _directory(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/agents/directory", headers=headers)
    assert response.status_code == 200, response.text
    return {entry["id"]: entry for entry in response.json()}


def _profile(
    client: TestClient, floor: Floor, display_name: str, extension: str, ready: bool
) -> tuple[str, dict[str, str]]:
    user, headers = floor.make_user("agent", floor.tenant, display_name=display_name)
    created = client.post(
        "/api/v1/agents",
        headers=floor.admin,
        json={"user_id": user.id, "queues": {"general": 0}, "extension": extension},
    )
    assert created.status_code == 201, created.text
    if ready:
        assert client.post("/api/v1/agents/me/login", headers=headers).status_code == 200
        assert client.post("/api/v1/agents/me/ready", headers=headers).status_code == 200
    return user.id, headers


def test_agents_see_colleagues_with_presence_only(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    zhang, zhang_h = _profile(client, floor, "张伟", "8001", ready=True)
    li, li_h = _profile(client, floor, "李娜", "8002", ready=True)
    wang, _ = _profile(client, floor, "王芳", "8003", ready=False)

    seen = _directory(client, zhang_h)
    assert set(seen) == {zhang, li, wang}
    assert seen[li] == {"id": li, "name": "李娜", "extension": "8002", "presence": "available"}
    assert seen[wang]["presence"] == "logged_out"
    assert [e["extension"] for e in client.get("/api/v1/agents/directory", headers=zhang_h).json()] == [
        "8001",
        "8002",
        "8003",
    ]

    # not ready with a reason: colleagues see "away", never the reason
    away = client.post("/api/v1/agents/me/not-ready", headers=li_h, json={"reason": "break"})
    assert away.status_code == 200, away.text
    assert _directory(client, zhang_h)[li] == {
        "id": li,
        "name": "李娜",
        "extension": "8002",
        "presence": "away",
    }

    # a ringing or talking colleague is "on a call"
    call_id = floor.call(caller="13800138000")
    assert _directory(client, li_h)[zhang]["presence"] == "on_call"
    assert client.post(f"/api/v1/calls/{call_id}/answer", headers=zhang_h).status_code == 200
    assert _directory(client, li_h)[zhang]["presence"] == "on_call"
    # leaders and admins read the same directory
    assert set(_directory(client, floor.leader)) == {zhang, li, wang}


def test_another_tenant_is_not_listed(client: TestClient, make_user: Any) -> None:
    home = Floor(client, make_user)
    home.queue("general")
    mine, mine_h = _profile(client, home, "赵敏", "8101", ready=True)
    away = Floor(client, make_user, tenant="other")
    away.queue("general")
    theirs, theirs_h = _profile(client, away, "Other", "8101", ready=True)
    assert set(_directory(client, mine_h)) == {mine}
    assert set(_directory(client, theirs_h)) == {theirs}


def test_signed_in_users_only(client: TestClient, make_user: Any) -> None:
    assert client.get("/api/v1/agents/directory").status_code == 401
    # the directory path is not taken for an agent id
    floor = Floor(client, make_user)
    floor.queue("general")
    _, agent_h = _profile(client, floor, "孙丽", "8201", ready=False)
    assert client.get("/api/v1/agents/directory", headers=agent_h).status_code == 200


def test_an_internal_call_rings_the_colleague_picked_from_the_directory(
    client: TestClient, make_user: Any
) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    zhang, zhang_h = _profile(client, floor, "张伟", "8001", ready=True)
    li, li_h = _profile(client, floor, "李娜", "8002", ready=True)
    placed = client.post("/api/v1/calls/dial", headers=zhang_h, json={"to_agent_id": li})
    assert placed.status_code == 201, placed.text
    call_id = placed.json()["call_id"]
    # the caller sees the call too (it is offered to the colleague, not to them)
    [mine] = client.get("/api/v1/calls", headers=zhang_h).json()
    assert mine["id"] == call_id and mine["direction"] == "internal" and mine["callee"] == "8002"
    assert _directory(client, li_h)[zhang]["presence"] == "on_call"
    assert client.post(f"/api/v1/calls/{call_id}/answer", headers=li_h).status_code == 200
    assert floor.state(zhang_h)["state"] == "talking" and floor.state(li_h)["state"] == "talking"
    assert client.post(f"/api/v1/calls/{call_id}/hangup", headers=li_h).status_code == 200
    assert floor.state(zhang_h)["call_id"] is None and floor.state(li_h)["call_id"] is None


def test_internal_call_input_is_checked(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    zhang, zhang_h = _profile(client, floor, "张伟", "8001", ready=True)
    li, _ = _profile(client, floor, "李娜", "8002", ready=False)
    both = client.post("/api/v1/calls/dial", headers=zhang_h, json={"to_agent_id": li, "number": "95588"})
    neither = client.post("/api/v1/calls/dial", headers=zhang_h, json={})
    for refused in (both, neither):
        assert refused.status_code in (400, 422) and refused.json()["code"] == "one_target"
    not_ready = client.post("/api/v1/calls/dial", headers=zhang_h, json={"to_agent_id": li})
    assert not_ready.status_code == 409 and not_ready.json()["code"] == "agent_not_available"
    away = Floor(client, make_user, tenant="other")
    away.queue("general")
    theirs, _ = _profile(client, away, "Other", "8009", ready=True)
    stranger = client.post("/api/v1/calls/dial", headers=zhang_h, json={"to_agent_id": theirs})
    assert stranger.status_code == 404
    assert client.post("/api/v1/calls/dial", headers=zhang_h, json={"to_agent_id": zhang}).status_code == 409
    assert floor.state(zhang_h)["state"] == "ready"
