"""The leader's floor on SQLite and PostgreSQL: break requests with approval, messages to
agents, norm alerts raised once per occurrence and acknowledged, roles and tenants enforced.

Time is driven as in the SLA tests: the norm service is asked to check at a moment of the
test's choosing (``check(now + 31)``), so nothing waits for the wall clock."""

from __future__ import annotations

from typing import Any

from acd_helpers import Floor, eventually
from fastapi.testclient import TestClient
from wo_helpers import Desk

from helpline.bootstrap import Container

F = "/api/v1/floor"


def _container(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


def _check(client: TestClient, at: float) -> list[dict[str, Any]]:
    """Let the norm rules see time ``at`` (epoch seconds) -> the alerts raised."""
    return list(client.portal.call(_container(client).norm_alerts.check, at))  # type: ignore[union-attr]


def _now(client: TestClient) -> float:
    return _container(client).clock.now()


def _events(client: TestClient, tenant: str, type_: str) -> list[dict[str, Any]]:
    backlog = _container(client).bus.since(tenant, 0) or []
    return [e for _, e in backlog if e["type"] == type_]


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_break_is_asked_approved_started_and_ends_when_the_agent_is_back(
    client: TestClient, make_user: Any
) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    agent_id, agent = floor.agent({"general": 0})
    leader = floor.leader

    # NORMS §5: one absence at most 5 minutes, except scheduled meals and breaks
    too_long = _ok(client.post(f"{F}/breaks", headers=agent, json={"reason": "other", "minutes": 6}), 422)
    assert too_long["code"] == "minutes_out_of_range" and too_long["fields"]["max"] == 5
    unknown = _ok(client.post(f"{F}/breaks", headers=agent, json={"reason": "nap", "minutes": 2}), 422)
    assert unknown["code"] == "unknown_reason"
    asked = _ok(
        client.post(f"{F}/breaks", headers=agent, json={"reason": "other", "minutes": 2, "note": "去洗手间"}),
        201,
    )
    assert asked["status"] == "pending" and asked["note"] == "去洗手间"
    again = client.post(f"{F}/breaks", headers=agent, json={"reason": "other", "minutes": 1})
    assert _ok(again, 409)["code"] == "break_open"

    pending = _ok(client.get(f"{F}/breaks", headers=leader, params={"status": "pending"}))
    assert [b["id"] for b in pending] == [asked["id"]]
    assert (
        _ok(client.post(f"{F}/breaks/{asked['id']}/approve", headers=agent), 403)["code"] == "role_required"
    )
    approved = _ok(
        client.post(f"{F}/breaks/{asked['id']}/approve", headers=leader, json={"note": "快去快回"})
    )
    assert approved["status"] == "approved" and approved["decision_note"] == "快去快回"
    decided = _events(client, "default", "break_updated")
    assert [e["request"]["status"] for e in decided] == ["pending", "approved"]
    assert all(e["agent_id"] == agent_id for e in decided)  # so the agent's desktop hears it at once
    twice = client.post(f"{F}/breaks/{asked['id']}/refuse", headers=leader)
    assert _ok(twice, 409)["code"] == "break_not_pending"

    started = _ok(client.post(f"{F}/breaks/{asked['id']}/start", headers=agent))
    assert started["status"] == "started" and started["ends_at"] is not None
    state = floor.state(agent)
    assert state["state"] == "not_ready" and state["reason"] == "other"

    # the absence counts against the approved 2 minutes, not the 5-minute norm
    since = float(state["since"])
    assert _check(client, since + 100) == []
    raised = _check(client, since + 121)
    assert [(a["kind"], a["agent_id"], a["detail"]["approved"]) for a in raised] == [
        ("long_absence", agent_id, True)
    ]
    assert _check(client, since + 200) == []  # once per absence

    _ok(client.post("/api/v1/agents/me/ready", headers=agent))
    _check(client, _now(client))
    mine = _ok(client.get(f"{F}/breaks", headers=agent, params={"mine": True}))
    assert [(b["id"], b["status"]) for b in mine] == [(asked["id"], "ended")]


def test_a_refused_break_and_what_agents_may_not_do(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    _, agent = floor.agent({"general": 0})
    _, other = floor.agent({"general": 0})
    asked = _ok(client.post(f"{F}/breaks", headers=agent, json={"reason": "meal", "minutes": 30}), 201)
    # an agent sees only their own requests, and cannot touch another agent's
    assert _ok(client.get(f"{F}/breaks", headers=other)) == []
    assert (
        _ok(client.post(f"{F}/breaks/{asked['id']}/start", headers=other), 404)["code"] == "break_not_found"
    )
    assert (
        _ok(client.post(f"{F}/breaks/{asked['id']}/start", headers=agent), 409)["code"]
        == "break_not_approved"
    )
    assert _ok(client.get(f"{F}/alerts", headers=agent), 403)["code"] == "role_required"

    refused = _ok(
        client.post(
            f"{F}/breaks/{asked['id']}/refuse",
            headers=floor.leader,
            json={"note": "现在排队多, 十二点半再去"},
        )
    )
    assert refused["status"] == "refused" and refused["decision_note"].startswith("现在排队多")
    # refused: a new request may be made
    _ok(client.post(f"{F}/breaks", headers=agent, json={"reason": "break", "minutes": 10}), 201)

    # another tenant's leader sees nothing and cannot decide
    _, stranger = make_user("leader", "acme")
    assert _ok(client.get(f"{F}/breaks", headers=stranger)) == []
    assert (
        _ok(client.post(f"{F}/breaks/{asked['id']}/approve", headers=stranger), 404)["code"]
        == "break_not_found"
    )


def test_messages_to_one_agent_and_to_all(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    one_id, one = floor.agent({"general": 0})
    two_id, two = floor.agent({"general": 0})
    leader = floor.leader

    sent = _ok(
        client.post(f"{F}/messages", headers=leader, json={"to_user_id": one_id, "body": "请注意通话时长"}),
        201,
    )
    assert sent["recipients"] == 1
    _ok(client.post(f"{F}/messages", headers=leader, json={"body": "十点开班前会, 全体就绪"}), 201)
    assert (
        _ok(client.post(f"{F}/messages", headers=leader, json={"body": "   "}), 422)["code"]
        == "message_empty"
    )
    assert _ok(client.post(f"{F}/messages", headers=one, json={"body": "hi"}), 403)["code"] == "role_required"
    _, stranger_leader = make_user("leader", "acme")
    missing = client.post(f"{F}/messages", headers=stranger_leader, json={"to_user_id": one_id, "body": "x"})
    assert _ok(missing, 404)["code"] == "user_not_found"

    events = _events(client, "default", "leader_message")
    assert events[0]["agent_ids"] == [one_id] and events[0]["to_all"] is False
    assert {one_id, two_id} <= set(events[1]["agent_ids"]) and events[1]["to_all"] is True

    inbox = _ok(client.get(f"{F}/messages", headers=one))
    assert inbox["unread"] == 2 and [m["body"] for m in inbox["items"]] == [
        "十点开班前会, 全体就绪",
        "请注意通话时长",
    ]
    assert _ok(client.get(f"{F}/messages", headers=two))["unread"] == 1
    # nobody marks another's message read
    assert _ok(client.post(f"{F}/messages/{inbox['items'][0]['id']}/read", headers=two), 404)["code"] == (
        "message_not_found"
    )
    after = _ok(client.post(f"{F}/messages/{inbox['items'][0]['id']}/read", headers=one))
    assert after["unread"] == 1
    assert _ok(client.post(f"{F}/messages/read", headers=one))["unread"] == 0

    history = _ok(client.get(f"{F}/messages/sent", headers=leader))
    assert [(h["body"], h["to_all"], h["read"]) for h in history][:2] == [
        ("十点开班前会, 全体就绪", True, 1),
        ("请注意通话时长", False, 1),
    ]
    assert _ok(client.get(f"{F}/messages/sent", headers=stranger_leader)) == []


def test_long_hold_and_long_ring_alert_once_and_are_acknowledged(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general", ring_timeout=60)
    agent_id, agent = floor.agent({"general": 0})
    leader = floor.leader

    call_id = floor.call(caller="13800138000")
    ringing = next(c for c in _ok(client.get("/api/v1/calls", headers=leader)) if c["id"] == call_id)
    offered_at = _now(client)
    assert ringing["state"] == "offered"
    assert _check(client, offered_at - 1) == []
    rang = _check(client, offered_at + 7)  # past 2 rings of 3 s
    assert [(a["kind"], a["agent_id"], a["call_id"]) for a in rang] == [("long_ring", agent_id, call_id)]

    _ok(client.post(f"/api/v1/calls/{call_id}/answer", headers=agent))
    _ok(client.post(f"/api/v1/calls/{call_id}/hold", headers=agent))
    held_since = next(c for c in _ok(client.get("/api/v1/calls", headers=leader)) if c["id"] == call_id)[
        "held_since"
    ]
    assert _check(client, held_since + 29) == []
    held = _check(client, held_since + 31)
    assert [(a["kind"], a["call_id"], a["detail"]["limit"]) for a in held] == [("long_hold", call_id, 30.0)]
    assert _check(client, held_since + 45) == []  # once per hold
    assert [e["kind"] for e in _events(client, "default", "norm_alert")] == ["long_ring", "long_hold"]

    # a second hold of the same call is a new occurrence
    _ok(client.post(f"/api/v1/calls/{call_id}/retrieve", headers=agent))
    _ok(client.post(f"/api/v1/calls/{call_id}/hold", headers=agent))
    second = next(c for c in _ok(client.get("/api/v1/calls", headers=leader)) if c["id"] == call_id)[
        "held_since"
    ]
    assert [a["kind"] for a in _check(client, second + 31)] == ["long_hold"]

    open_alerts = _ok(client.get(f"{F}/alerts", headers=leader, params={"scope": "open"}))
    assert [a["kind"] for a in open_alerts] == ["long_hold", "long_hold", "long_ring"]  # newest first
    _, stranger = make_user("leader", "acme")
    assert _ok(client.post(f"{F}/alerts/{open_alerts[0]['id']}/ack", headers=stranger), 404)["code"] == (
        "alert_not_found"
    )
    acked = _ok(client.post(f"{F}/alerts/{open_alerts[0]['id']}/ack", headers=leader))
    assert acked["acknowledged_by"] is not None
    assert len(_ok(client.get(f"{F}/alerts", headers=leader, params={"scope": "open"}))) == 2
    assert len(_ok(client.get(f"{F}/alerts", headers=leader))) == 3  # today's, acknowledged or not
    assert _events(client, "default", "norm_alert_acknowledged")[0]["id"] == open_alerts[0]["id"]


def test_absence_norm_and_the_tenant_limits(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    agent_id, agent = floor.agent({"general": 0})
    limits = _ok(client.get(f"{F}/settings", headers=agent))
    assert limits["ring_limit"] == 6.0 and limits["hold_limit"] == 30.0 and limits["absence_limit"] == 300.0
    _, supervisor = make_user("supervisor")
    assert _ok(client.put(f"{F}/settings", headers=floor.leader, json={"hold_limit": 60}), 403)["code"] == (
        "role_required"
    )
    assert client.put(f"{F}/settings", headers=supervisor, json={"hold_limit": -1}).status_code == 422
    changed = _ok(
        client.put(f"{F}/settings", headers=supervisor, json={"absence_limit": 120, "ring_seconds": 4})
    )
    assert changed["ring_limit"] == 8.0 and changed["hold_limit"] == 30.0  # what was not given stays
    assert client.put(f"{F}/settings", headers=supervisor, json={"holdlimit": 5}).status_code == 422

    _ok(client.post("/api/v1/agents/me/not-ready", headers=agent, json={"reason": "training"}))
    since = float(floor.state(agent)["since"])
    assert _check(client, since + 119) == []
    assert [(a["kind"], a["agent_id"]) for a in _check(client, since + 121)] == [("long_absence", agent_id)]
    # a scheduled meal is not an absence
    _ok(client.post("/api/v1/agents/me/not-ready", headers=agent, json={"reason": "meal"}))
    assert _check(client, _now(client) + 3600) == []


def test_an_order_not_completed_in_15_minutes_alerts(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    agent_id, agent = floor.agent({"general": 0})
    desk = Desk(client, make_user)
    call_id = floor.call(caller="010-6552 8888")
    _ok(client.post(f"/api/v1/calls/{call_id}/answer", headers=agent))
    _ok(client.post(f"/api/v1/calls/{call_id}/hangup", headers=agent))
    desk.settle()
    order = client.get("/api/v1/workorders", headers=agent, params={"call_id": call_id}).json()["items"][0]
    desk.tick(_now(client) + 15 * 60 + 5)  # the SLA board's completion clock breaches

    def alerts() -> list[dict[str, Any]]:
        return [
            a
            for a in _ok(client.get(f"{F}/alerts", headers=floor.leader))
            if a["kind"] == "order_not_completed"
        ]

    eventually(lambda: len(alerts()) == 1)
    assert alerts()[0]["order_ref"] == order["id"] and alerts()[0]["agent_id"] == agent_id


def test_queue_stats_for_the_wallboard(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general", sl_seconds=20)
    _, agent = floor.agent({"general": 0})
    call_id = floor.call(caller="13800138000")
    _ok(client.post(f"/api/v1/calls/{call_id}/answer", headers=agent))
    _ok(client.post(f"/api/v1/calls/{call_id}/hangup", headers=agent))
    lost = floor.call(caller="13900139000")
    client.post(f"/api/v1/sim/calls/{lost}/hangup", headers=floor.leader)

    def general() -> dict[str, Any]:
        stats = _ok(client.get(f"{F}/queue-stats", headers=floor.leader))
        return dict(next(s for s in stats if s["queue_id"] == "general"))

    eventually(lambda: general()["today"]["offered"] == 2)
    today = general()["today"]
    assert today["answered"] == 1 and today["service_level"] == 0.5
    assert general()["last_30m"]["offered"] == 2
    assert client.get(f"{F}/queue-stats", headers=agent).status_code == 403


def test_the_agents_stream_carries_their_break_decisions_and_messages_only(
    client: TestClient, make_user: Any
) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    one_id, one = floor.agent({"general": 0})
    two_id, _ = floor.agent({"general": 0})
    token = one["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/api/v1/events?token={token}") as ws:
        seq = ws.receive_json()["seq"]
    asked = _ok(client.post(f"{F}/breaks", headers=one, json={"reason": "other", "minutes": 3}), 201)
    _ok(client.post(f"{F}/breaks/{asked['id']}/approve", headers=floor.leader))
    _ok(
        client.post(f"{F}/messages", headers=floor.leader, json={"to_user_id": two_id, "body": "只给二号"}),
        201,
    )
    _ok(client.post(f"{F}/messages", headers=floor.leader, json={"body": "全体注意"}), 201)
    _ok(
        client.post(f"{F}/messages", headers=floor.leader, json={"to_user_id": one_id, "body": "最后一条"}),
        201,
    )
    seen: list[tuple[str, str]] = []
    with client.websocket_connect(f"/api/v1/events?token={token}&since={seq}") as ws:
        while not seen or seen[-1] != ("leader_message", "最后一条"):
            event = ws.receive_json()["event"]
            if event["topic"] == "floor":
                seen.append((event["type"], event.get("body") or event["request"]["status"]))
    assert seen == [
        ("break_updated", "pending"),
        ("break_updated", "approved"),
        ("leader_message", "全体注意"),
        ("leader_message", "最后一条"),
    ]
