"""The ACD through its HTTP API, on SQLite and PostgreSQL: agents, queues, calls, records."""

from __future__ import annotations

from typing import Any

from acd_helpers import Floor, eventually
from fastapi.testclient import TestClient
from sqlalchemy import select

from helpline.adapters.db.tables.acd import AgentProfile, AgentStateLog, CallRecord
from helpline.app.acd import config as acd_config
from helpline.app.acd.center_service import CenterService


def _rows(client: TestClient, model: Any) -> list[Any]:
    container = client.app.state.container  # type: ignore[attr-defined]

    async def read() -> list[Any]:
        async with container.sessionmaker() as session:
            return list((await session.scalars(select(model))).all())

    return client.portal.call(read)  # type: ignore[union-attr]


def test_a_call_from_queue_to_wrap_up_is_recorded(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general", wrapup_seconds=600, name="综合咨询")
    agent_id, agent = floor.agent({"general": 0})
    assert floor.state(agent)["state"] == "ready"

    call_id = floor.call(caller="+86 138 0013 8000")
    assert floor.state(agent)["state"] == "reserved"
    mine = client.get("/api/v1/calls", headers=agent).json()
    assert [c["id"] for c in mine] == [call_id]

    answered = client.post(f"/api/v1/calls/{call_id}/answer", headers=agent)
    assert answered.status_code == 200, answered.text
    assert [e["type"] for e in answered.json()["events"]] == ["agent_state_changed", "call_answered"]
    assert client.post(f"/api/v1/calls/{call_id}/hold", headers=agent).status_code == 200
    assert floor.state(agent)["state"] == "on_hold"
    assert client.post(f"/api/v1/calls/{call_id}/retrieve", headers=agent).status_code == 200
    hung = client.post(f"/api/v1/calls/{call_id}/hangup", headers=agent)
    assert hung.status_code == 200, hung.text
    assert floor.state(agent)["state"] == "wrap_up"
    assert client.post("/api/v1/agents/me/wrap-up/end", headers=agent).status_code == 200
    assert floor.state(agent)["state"] == "ready"

    record = client.get(f"/api/v1/calls/{call_id}", headers=agent).json()
    assert record["outcome"] == "handled"
    assert record["agent_id"] == agent_id
    assert record["queue_id"] == "general"
    assert record["caller"] == "+86 138 0013 8000"
    kinds = [s["type"] for s in record["segments"]]
    assert kinds == [
        "call_arrived",
        "call_queued",
        "call_offered",
        "call_answered",
        "call_held",
        "call_retrieved",
        "call_ended",
    ]
    assert record["talk_seconds"] >= 0 and record["hold_seconds"] >= 0
    assert record["wrapup_seconds"] > 0

    log = [(r.old_state, r.new_state) for r in _rows(client, AgentStateLog) if r.agent_id == agent_id]
    assert log == [
        ("logged_out", "not_ready"),
        ("not_ready", "ready"),
        ("ready", "reserved"),
        ("reserved", "talking"),
        ("talking", "on_hold"),
        ("on_hold", "talking"),
        ("talking", "wrap_up"),
        ("wrap_up", "ready"),
    ]
    assert [r.outcome for r in _rows(client, CallRecord)] == ["handled"]


def test_abandoned_call_is_recorded_with_its_wait(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    call_id = floor.call()
    status = client.get("/api/v1/queues/general/status", headers=floor.leader).json()
    assert status["waiting"] == 1
    assert client.post(f"/api/v1/sim/calls/{call_id}/hangup", headers=floor.leader).status_code == 200
    record = client.get(f"/api/v1/calls/{call_id}", headers=floor.leader).json()
    assert record["outcome"] == "abandoned"
    assert record["wait_seconds"] is not None
    assert client.get("/api/v1/queues/general/status", headers=floor.leader).json()["waiting"] == 0


def test_invalid_transitions_and_bad_input_are_refused_clearly(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    _, agent = floor.agent({"general": 0}, ready=False)
    refused = client.post("/api/v1/agents/me/ready", headers=agent)
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_agent_transition"
    assert refused.json()["fields"]["state"] == "logged_out"
    client.post("/api/v1/agents/me/login", headers=agent)
    missing = client.post("/api/v1/agents/me/not-ready", headers=agent, json={})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.reason"
    unknown = client.post("/api/v1/agents/me/not-ready", headers=agent, json={"reason": "nap"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_reason"
    ok = client.post("/api/v1/agents/me/not-ready", headers=agent, json={"reason": "meal"})
    assert ok.json()["state"] == "not_ready" and ok.json()["reason"] == "meal"
    assert client.post("/api/v1/calls/nope/answer", headers=agent).status_code == 404


def test_queue_configuration_is_validated_and_kept(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    bad = client.post("/api/v1/queues", headers=floor.admin, json={"id": "q", "strategy": "lifo"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.strategy"
    dangling = client.post(
        "/api/v1/queues",
        headers=floor.admin,
        json={"id": "q", "exit_action": "queue", "exit_queue_id": "nowhere"},
    )
    assert dangling.status_code == 404
    assert client.get("/api/v1/queues", headers=floor.admin).json() == []
    floor.queue("general")
    floor.queue("vip", strategy="ring_all", weight=10, overflow=[{"after": 30, "to_queue_id": "general"}])
    twice = client.post("/api/v1/queues", headers=floor.admin, json={"id": "general"})
    assert twice.status_code == 409
    changed = client.patch(
        "/api/v1/queues/general", headers=floor.admin, json={"strategy": "fewest_calls", "sl_seconds": 15}
    )
    assert changed.status_code == 200
    assert changed.json()["strategy"] == "fewest_calls"
    assert (
        client.get("/api/v1/queues/vip", headers=floor.admin).json()["overflow"][0]["to_queue_id"]
        == "general"
    )
    assert (
        client.get("/api/v1/queues/general/status", headers=floor.admin).json()["strategy"] == "fewest_calls"
    )


def test_nothing_half_written_when_the_core_refuses(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    user, _ = make_user("agent")
    refused = client.post(
        "/api/v1/agents", headers=floor.admin, json={"user_id": user.id, "queues": {"missing": 0}}
    )
    assert refused.status_code == 404
    assert refused.json()["code"] == "queue_not_found"
    assert _rows(client, AgentProfile) == []
    bad_level = client.post(
        "/api/v1/agents", headers=floor.admin, json={"user_id": user.id, "skills": {"en": 11}}
    )
    assert bad_level.status_code == 422


def test_roles_are_checked_on_every_action(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    agent_id, agent = floor.agent({"general": 0})
    assert client.post("/api/v1/queues", headers=agent, json={"id": "x"}).status_code == 403
    assert client.get("/api/v1/agents", headers=agent).status_code == 403
    assert client.post(f"/api/v1/agents/{agent_id}/force-not-ready", headers=agent).status_code == 403
    forced = client.post(f"/api/v1/agents/{agent_id}/force-not-ready", headers=floor.leader)
    assert forced.status_code == 200
    event = forced.json()["events"][0]
    assert event["by"] == floor.leader_user.id and event["new_state"] == "not_ready"
    assert floor.state(agent)["state"] == "not_ready"
    assert (
        client.post(f"/api/v1/agents/{agent_id}/force-ready", headers=floor.leader).json()["state"] == "ready"
    )
    assert (
        client.post(f"/api/v1/agents/{agent_id}/force-logout", headers=floor.leader).json()["state"]
        == "logged_out"
    )
    assert client.get("/api/v1/agents", headers=floor.leader).status_code == 200


def test_another_tenant_sees_nothing(client: TestClient, make_user: Any) -> None:
    home = Floor(client, make_user)
    home.queue("general")
    agent_id, _ = home.agent({"general": 0})
    call_id = home.call()
    away = Floor(client, make_user, tenant="other")
    assert client.get("/api/v1/queues/general", headers=away.admin).status_code == 404
    assert client.get(f"/api/v1/calls/{call_id}", headers=away.leader).status_code == 404
    assert client.get(f"/api/v1/agents/{agent_id}", headers=away.leader).status_code == 404
    assert client.post(f"/api/v1/agents/{agent_id}/force-logout", headers=away.leader).status_code == 404
    assert client.get("/api/v1/calls", headers=away.leader).json() == []


def test_leader_supervises_and_force_hangs_up(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    _agent_id, agent = floor.agent({"general": 0})
    call_id = floor.call()
    client.post(f"/api/v1/calls/{call_id}/answer", headers=agent)
    switch = client.app.state.container.switch  # type: ignore[attr-defined]
    for mode in ("listen", "whisper", "barge"):
        response = client.post(
            f"/api/v1/calls/{call_id}/supervise", headers=floor.leader, json={"mode": mode}
        )
        assert response.status_code == 200, response.text
        assert switch.line("default", call_id).monitors[floor.leader_user.id] == mode
    assert (
        client.post(f"/api/v1/calls/{call_id}/supervise", headers=agent, json={"mode": "listen"}).status_code
        == 403
    )
    ended = client.post(f"/api/v1/calls/{call_id}/force-hangup", headers=floor.leader)
    assert ended.status_code == 200
    assert ended.json()["events"][0]["ended_by"] == "supervisor"
    assert floor.state(agent)["state"] in ("wrap_up", "ready")


def test_transfer_to_another_queue_and_dial_out(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    floor.queue("billing")
    _, first = floor.agent({"general": 0})
    second_id, second = floor.agent({"billing": 0})
    call_id = floor.call()
    client.post(f"/api/v1/calls/{call_id}/answer", headers=first)
    moved = client.post(f"/api/v1/calls/{call_id}/transfer", headers=first, json={"to_queue_id": "billing"})
    assert moved.status_code == 200, moved.text
    assert floor.state(second)["call_id"] == call_id
    assert client.post(f"/api/v1/calls/{call_id}/answer", headers=second).status_code == 200
    client.post(f"/api/v1/calls/{call_id}/hangup", headers=second)
    dialled = client.post("/api/v1/calls/dial", headers=first, json={"number": "01012345678"})
    assert dialled.status_code == 201
    out_id = dialled.json()["call_id"]
    assert client.post(f"/api/v1/sim/calls/{out_id}/answered", headers=first).status_code == 200
    assert floor.state(first)["state"] == "talking"
    record = client.get(f"/api/v1/calls/{call_id}", headers=floor.leader).json()
    assert record["agent_id"] == second_id
    assert "call_transferred" in [s["type"] for s in record["segments"]]


def test_ring_timeout_fires_on_the_server_clock(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general", ring_timeout=0.2)
    _, slow = floor.agent({"general": 0})
    floor.call()
    eventually(lambda: floor.state(slow)["state"] == "not_ready")
    assert floor.state(slow)["reason"] == "no_answer"
    status = client.get("/api/v1/queues/general/status", headers=floor.leader).json()
    assert status["waiting"] == 1


def test_not_ready_reasons_are_per_tenant(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    put = client.put("/api/v1/reasons", headers=floor.admin, json={"reasons": ["休息", "培训"]})
    assert put.status_code == 200
    assert client.get("/api/v1/reasons", headers=floor.leader).json() == sorted(["休息", "培训"])
    floor.queue("general")
    _, agent = floor.agent({"general": 0})
    ok = client.post("/api/v1/agents/me/not-ready", headers=agent, json={"reason": "培训"})
    assert ok.status_code == 200 and ok.json()["reason"] == "培训"
    assert (
        client.post("/api/v1/agents/me/not-ready", headers=agent, json={"reason": "meal"}).status_code == 422
    )


def test_prometheus_sees_the_live_floor(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    floor.agent({"general": 0}, ready=False)
    floor.call()
    text = client.get("/metrics").text
    assert 'helpline_queue_waiting_calls{queue="general",tenant="default"} 1.0' in text
    assert 'helpline_agents{state="logged_out",tenant="default"} 1.0' in text
    assert 'helpline_active_calls{tenant="default"} 1.0' in text


def test_a_restart_rebuilds_the_live_acd_from_what_was_committed(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    floor.queue("english", exit_action="queue", exit_queue_id="general")
    floor.queue("old")
    agent_id, _ = floor.agent({"english": 0, "old": 1}, ready=False)
    assert client.put("/api/v1/reasons", headers=floor.admin, json={"reasons": ["休息"]}).status_code == 200
    assert client.delete("/api/v1/queues/old", headers=floor.admin).status_code == 204
    live = client.get(f"/api/v1/agents/{agent_id}", headers=floor.leader).json()
    assert live["queues"] == {"english": 0}, "the live ACD took the deletion at its commit"
    container = client.app.state.container  # type: ignore[attr-defined]

    async def restart() -> tuple[set[str], dict[str, int], set[str]]:
        restarted = CenterService(container.clock, container.bus, container.switch)
        await acd_config.load_all(container.units, restarted)
        center = restarted.center("default")
        return set(center.router.queues), center.agent(agent_id).queues, center.not_ready_reasons

    queues, memberships, reasons = client.portal.call(restart)  # type: ignore[union-attr]
    assert queues == {"general", "english"} and memberships == {"english": 0} and reasons == {"休息"}
