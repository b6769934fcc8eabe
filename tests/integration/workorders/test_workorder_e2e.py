"""Issue 3 end to end, on SQLite and PostgreSQL: a customer calls through the virtual switch,
the agent's screen pop shows who it is and their orders, answering makes the draft order,
the hang-up starts its 15-minute clock, submitting is refused for a missing location and
then accepted, the complaint goes to the shift leader on duty, its reply deadline breaches,
and the breach is on the live stream, in the overdue list and in the reports."""

from __future__ import annotations

from typing import Any

from acd_helpers import Floor
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from wo_helpers import COMPLAINT, Desk

HOUR = 3600.0


def _until(ws: WebSocketTestSession, kind: str, limit: int = 80) -> dict[str, Any]:
    for _ in range(limit):
        event: dict[str, Any] = ws.receive_json()["event"]
        if event["type"] == kind:
            return event
    raise AssertionError(f"no {kind} event")


def test_a_complaint_call_from_ring_to_breach(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    agent_id, agent = floor.agent({"general": 0})
    desk = Desk(client, make_user)
    desk.reasons()
    desk.on_duty_all_day(floor.leader_user.id)
    customer = client.post(
        "/api/v1/customers",
        headers=agent,
        json={"name": "王女士", "phones": ["139-1234-5678"], "vip_level": 2},
    ).json()
    earlier = desk.create(headers=desk.other, caller_number="+86 139 1234 5678")

    token = agent["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/api/v1/events?token={token}") as ws:
        ws.receive_json()  # snapshot
        call_id = floor.call(caller="13912345678", ivr={"menu": "3"})
        pop = _until(ws, "screen_pop")["pop"]
        assert pop["customer"]["id"] == customer["id"]
        assert [o["id"] for o in pop["work_orders"]["open"]] == [earlier["id"]]

        answered = client.post(f"/api/v1/calls/{call_id}/answer", headers=agent)
        assert answered.status_code == 200, answered.text
        created = _until(ws, "work_order_created")
        assert created["call_id"] == call_id and created["owner_id"] == agent_id
        desk.settle()
        found = client.get("/api/v1/workorders", headers=agent, params={"call_id": call_id}).json()
        assert found["total"] == 1
        draft = desk.get(found["items"][0]["id"], agent)
        assert draft["state"] == "draft" and draft["first_owner_id"] == agent_id
        assert draft["customer"] == {"id": customer["id"], "name": "王女士"}
        assert draft["values"]["caller_number"] == "+8613912345678"
        assert [c["call_id"] for c in draft["calls"]] == [call_id]

        assert client.post(f"/api/v1/calls/{call_id}/hangup", headers=agent).status_code == 200
        desk.settle()
        ended = desk.get(draft["id"], agent)
        hang_up = ended["call_ended_at"]
        assert hang_up is not None
        assert [(c["kind"], c["state"]) for c in ended["clocks"]] == [("completion", "running")]

        # the agent writes the order, forgetting the title's location; the borderline rule
        # makes "inquiry or complaint" a complaint
        content = {**COMPLAINT, "location": "", "category": ["inquiry", "complaint"]}
        desk.edit(draft["id"], agent, **content)
        refused = desk.act(draft["id"], "submit", agent, expect=422)
        assert refused["fields"]["fields"] == ["location"]
        kept = desk.get(draft["id"], agent)
        assert kept["state"] == "draft" and kept["values"]["course"] == COMPLAINT["course"]

        desk.edit(draft["id"], agent, location="海淀区中关村大街")
        order = desk.act(draft["id"], "submit", agent)
        assert order["values"]["category"] == "complaint"
        assert order["state"] == "assigned"
        assert order["assignee"] == {"kind": "user", "id": floor.leader_user.id}
        clocks = {c["kind"]: c for c in order["clocks"]}
        assert clocks["completion"]["state"] == "met"
        assert clocks["complaint_simple"]["state"] == "running"
        inbox = client.get("/api/v1/workorders/inbox", headers=floor.leader).json()
        assert [o["id"] for o in inbox["items"]] == [order["id"]]
        assert inbox["items"][0]["clocks"][0]["kind"] == "complaint_simple"

        # two hours after the hang-up nobody has answered the complaint
        fired = desk.tick(desk.now() + 2 * HOUR + 60)
        assert [e.name for e in fired] == ["sla_warning", "sla_breached"]
        breach = _until(ws, "sla_breached")
    assert breach["order_id"] == order["id"] and breach["kind"] == "complaint_simple"
    assert {agent_id, floor.leader_user.id} <= set(breach["audience"])

    overdue = client.get("/api/v1/workorders/overdue", headers=floor.leader).json()
    assert [(o["order"]["id"], o["clock"]["kind"], o["clock"]["breached"]) for o in overdue] == [
        (order["id"], "complaint_simple", True)
    ]
    assert [o["order"]["id"] for o in client.get("/api/v1/workorders/overdue", headers=agent).json()] == [
        order["id"]
    ]
    assert client.get("/api/v1/workorders/overdue", headers=desk.other).json() == []
    report = client.get("/api/v1/reports/sla-events", headers=floor.leader).json()
    assert [(e["type"], e["number"]) for e in report["items"]] == [
        ("sla_breached", order["number"]),
        ("sla_warning", order["number"]),
    ]
    without = client.get("/api/v1/reports/calls-without-order", headers=floor.leader).json()
    assert without["total"] == 0

    desk.act(order["id"], "accept", floor.leader)
    replied = desk.act(order["id"], "reply", floor.leader, text="已责令工地夜间停工")
    late = {c["kind"]: c for c in replied["clocks"]}["complaint_simple"]
    assert late["state"] == "met" and late["breached"] is True
    assert client.get("/api/v1/workorders/overdue", headers=floor.leader).json() == []
