"""SLA clocks of work orders on SQLite and PostgreSQL: warnings before breaches, kept for
reports; clocks that survive a restart; department deadlines on business hours; the
callback and promise clocks; and every call making an order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from acd_helpers import Floor, eventually
from fastapi.testclient import TestClient
from wo_helpers import COMPLAINT, INQUIRY, Desk

from helpline.app.clock import VirtualClock
from helpline.app.workorders.sla import SlaService
from helpline.domain.calendar import BusinessCalendar

HOUR = 3600.0


def _clocks(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["kind"]: c for c in order["clocks"]}


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def test_a_warning_comes_before_the_breach_and_both_are_kept(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    desk.on_duty_all_day()
    order = desk.submitted(COMPLAINT)
    reply = _clocks(order)["complaint_simple"]
    due = _epoch(reply["due"])
    assert reply["state"] == "running" and abs(due - desk.now() - 2 * HOUR) < 60
    assert [e.name for e in desk.tick(due - 30 * 60)] == []
    assert [e.name for e in desk.tick(due - 20 * 60)] == ["sla_warning"]  # 80 % of 2 h
    assert [e.name for e in desk.tick(due + 1)] == ["sla_breached"]
    assert desk.tick(due + HOUR) == []  # a breach is reported once

    overdue = client.get("/api/v1/workorders/overdue", headers=desk.leader).json()
    assert [o["order"]["number"] for o in overdue] == [order["number"]]
    assert client.get("/api/v1/workorders/overdue", headers=desk.other).json() == []
    kept = client.get("/api/v1/reports/sla-events", headers=desk.leader).json()
    assert [e["type"] for e in kept["items"]] == ["sla_breached", "sla_warning"]
    assert client.get("/api/v1/reports/sla-events", headers=desk.agent).status_code == 403

    desk.act(order["id"], "accept", desk.leader)
    desk.act(order["id"], "reply", desk.leader, text="已协调")
    met = client.get("/api/v1/reports/sla-events", headers=desk.leader, params={"type": "sla_met"}).json()[
        "items"
    ]
    assert [(e["kind"], e["late"]) for e in met] == [("complaint_simple", True)]
    assert client.get("/api/v1/workorders/overdue", headers=desk.leader).json() == []
    email = desk.create(channel="email", caller_number="13600000000")
    clock = _clocks(email)["email"]
    assert (
        clock["state"] == "running" and abs(_epoch(clock["due"]) - _epoch(email["created_at"]) - 8 * HOUR) < 1
    )


def test_the_server_fires_breaches_on_its_own_clock(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    desk.on_duty_all_day()
    policy = {"sla": {"spans": {"complaint_simple": 0.4}, "warn": {"fraction": 0.5}}}
    assert client.put("/api/v1/workorder-settings", headers=desk.admin, json=policy).status_code == 200
    order = desk.submitted(COMPLAINT)

    def kept() -> list[tuple[str, str]]:
        items = client.get("/api/v1/reports/sla-events", headers=desk.leader).json()["items"]
        return [(e["type"], e["order_id"]) for e in items]

    eventually(lambda: len(kept()) == 2)  # nobody ticks: the service's own timer fires them
    assert kept() == [("sla_breached", order["id"]), ("sla_warning", order["id"])]
    overdue = client.get("/api/v1/workorders/overdue", headers=desk.leader).json()
    assert [(o["order"]["id"], o["clock"]["breached"]) for o in overdue] == [(order["id"], True)]


class _Loop:
    """The node's timer loop as the SLA service sees it (``CenterService`` in the server)."""

    def __init__(self) -> None:
        self.deadline_sources: list[Callable[[], float | None]] = []
        self.tick_hooks: list[Callable[[], Awaitable[None]]] = []
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


def test_open_clocks_survive_a_restart(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    desk.on_duty_all_day()
    order = desk.submitted({**COMPLAINT, "complex_case": True})
    due = _epoch(_clocks(order)["complaint_complex"]["due"])
    container, loop = desk.container, _Loop()
    # the platform comes back after the clock fell due: it fires on the loop's first tick
    restarted = SlaService(container.units, VirtualClock(due + 1), container.bus, loop)
    client.portal.call(restarted.load_all)  # type: ignore[union-attr]
    clock = restarted.board("default").clocks[f"{order['id']}:reply"]
    assert abs(clock.due - due) < 0.01 and clock.kind.value == "complaint_complex"
    client.portal.call(restarted.start)  # type: ignore[union-attr]
    [source], [hook] = loop.deadline_sources, loop.tick_hooks
    assert loop.woken == 1 and (source() or 0) <= due
    client.portal.call(hook)  # type: ignore[union-attr]
    items = client.get("/api/v1/reports/sla-events", headers=desk.leader).json()["items"]
    assert [(e["type"], e["order_id"]) for e in items] == [
        ("sla_breached", order["id"]),
        ("sla_warning", order["id"]),
    ]
    assert source() is None or (source() or 0) > due + 1  # nothing more is due
    client.portal.call(restarted.stop)  # type: ignore[union-attr]
    assert loop.deadline_sources == [] and loop.tick_hooks == []


def test_department_deadlines_run_on_business_hours_and_pause_on_return(
    client: TestClient, make_user: Any
) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    handler_user, handler = make_user("agent")
    desk.unit("water", calendar={"weekly": {str(d): "09:00-17:00" for d in range(5)}}, deadline_hours=8)
    desk.members("water", handler_user.id)
    desk.unit("gas")
    order = desk.submitted({**COMPLAINT, "category": "suggestion"})
    assigned = desk.act(order["id"], "assign", kind="unit", id="water")
    dept = _clocks(assigned)["department"]
    at = _epoch(assigned["updated_at"])
    expected = BusinessCalendar.workweek("09:00-17:00").add(at, 8 * HOUR)
    assert dept["state"] == "running" and abs(_epoch(dept["due"]) - expected) < 1
    desk.act(order["id"], "accept", handler)
    paused = _clocks(desk.act(order["id"], "return", handler, reason="请转燃气公司"))["department"]
    assert paused["state"] == "paused"
    resumed = _clocks(desk.act(order["id"], "assign", desk.leader, kind="unit", id="water"))["department"]
    assert resumed["state"] == "running" and resumed["id"] == dept["id"]
    moved = desk.act(order["id"], "assign", desk.leader, kind="unit", id="gas")
    gas = _clocks(moved)["department"]
    assert gas["unit_id"] == "gas" and abs(_epoch(gas["due"]) - _epoch(moved["updated_at"]) - 16 * HOUR) < 1


def test_inquiry_callback_and_promised_times(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    _, agent = floor.agent({"general": 0})
    desk = Desk(client, make_user)
    desk.reasons()
    call_id = floor.call(caller="010-6552 8888")
    client.post(f"/api/v1/calls/{call_id}/answer", headers=agent)
    client.post(f"/api/v1/calls/{call_id}/hangup", headers=agent)
    desk.settle()
    order_id = client.get("/api/v1/workorders", headers=agent, params={"call_id": call_id}).json()["items"][
        0
    ]["id"]
    hung_up = _epoch(desk.get(order_id, agent)["call_ended_at"])
    callback = {**INQUIRY, "answer_mode": "callback", "answer": "", "basis": []}
    desk.edit(order_id, agent, **callback)
    order = desk.act(order_id, "submit", agent)
    clocks = _clocks(order)
    assert clocks["completion"]["state"] == "met" and clocks["completion"]["breached"] is False
    assert abs(_epoch(clocks["callback"]["due"]) - (hung_up + 15 * 60)) < 1
    due = client.get("/api/v1/workorders/callbacks", headers=agent).json()
    assert [(d["order"]["id"], d["clock"]["kind"]) for d in due] == [(order_id, "callback")]
    assert client.get("/api/v1/workorders/callbacks", headers=desk.other).json() == []
    assert desk.act(order_id, "close", agent, expect=409)["code"] == "callback_not_recorded"

    promised = desk.act(order_id, "promise", agent, due="2099-01-01T10:00:00", note="明早十点前回电")
    assert _clocks(promised)["promised"]["due"] == "2099-01-01T02:00:00+00:00"  # China time
    assert promised["comments"][-1]["text"].startswith("承诺时限")
    assert (
        desk.act(order_id, "promise", agent, due="2001-01-01T10:00:00", expect=422)["code"] == "due_in_past"
    )
    replied = _clocks(desk.act(order_id, "reply", agent, text="已回电告知恢复供水时间"))
    assert replied["callback"]["state"] == "met" and replied["promised"]["state"] == "met"
    assert client.get("/api/v1/workorders/callbacks", headers=agent).json() == []
    assert desk.act(order_id, "close", agent)["state"] == "closed"


def test_every_call_makes_an_order_and_the_report_finds_those_without(
    client: TestClient, make_user: Any
) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    floor.queue("night")
    agent_id, agent = floor.agent({"general": 0})
    dialled = client.post("/api/v1/calls/dial", headers=agent, json={"number": "0755-1234 5678"}).json()
    client.post(f"/api/v1/sim/calls/{dialled['call_id']}/answered", headers=agent)
    client.post(f"/api/v1/calls/{dialled['call_id']}/hangup", headers=agent)
    missed = floor.call("night", caller="13700000001")
    client.post(f"/api/v1/sim/calls/{missed}/hangup", headers=floor.leader)
    desk = Desk(client, make_user)
    desk.settle()

    out = client.get("/api/v1/workorders", headers=agent, params={"call_id": dialled["call_id"]}).json()
    outbound = desk.get(out["items"][0]["id"], agent)
    assert outbound["first_owner_id"] == agent_id
    assert outbound["values"]["caller_number"] == "+8675512345678"  # the number dialled
    back = client.get("/api/v1/workorders", headers=agent, params={"call_id": missed}).json()["items"][0]
    assert back["channel"] == "missed_call" and back["first_owner_id"] is None
    assert [c["kind"] for c in desk.get(back["id"])["clocks"]] == ["missed_call"]
    claimed = desk.act(back["id"], "claim", agent)
    assert claimed["first_owner_id"] == agent_id
    assert desk.act(back["id"], "claim", desk.other, expect=409)["code"] == "already_owned"

    assert (
        client.put(
            "/api/v1/workorder-settings", headers=floor.admin, json={"missed_call_orders": False}
        ).status_code
        == 200
    )
    unlucky = floor.call("night", caller="13700000002")
    client.post(f"/api/v1/sim/calls/{unlucky}/hangup", headers=floor.leader)
    desk.settle()
    report = client.get("/api/v1/reports/calls-without-order", headers=floor.leader).json()
    assert [(c["call_id"], c["outcome"]) for c in report["items"]] == [(unlucky, "abandoned")]
    csv_file = client.get(
        "/api/v1/reports/calls-without-order", headers=floor.leader, params={"format": "csv"}
    )
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("call_id,direction,caller") and lines[1].startswith(unlucky)
    assert client.get("/api/v1/reports/calls-without-order", headers=agent).status_code == 403
