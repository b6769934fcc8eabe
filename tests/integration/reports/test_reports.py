"""Printable and exportable reports over orders, deadlines, satisfaction and calls."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from acd_helpers import Floor, eventually
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from wo_helpers import COMPLAINT, INQUIRY, Desk

from helpline.domain.calendar import CHINA_TZ


def test_orders_by_category_in_every_format(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    for _ in range(2):
        desk.submitted(INQUIRY)
    desk.on_duty_all_day()
    desk.submitted(COMPLAINT)
    data = client.get("/api/v1/reports/orders-by/category", headers=desk.leader).json()
    counts = {row["key"]: row["orders"] for row in data["rows"]}
    assert counts == {"inquiry": 2, "complaint": 1}
    inquiry = next(r for r in data["rows"] if r["key"] == "inquiry")
    assert inquiry["share"] == round(2 / 3, 4) and inquiry["name"].startswith("咨询")

    html = client.get("/api/v1/reports/orders-by/category", params={"format": "html"}, headers=desk.leader)
    assert html.headers["content-type"].startswith("text/html")
    assert "@media print" in html.text and "咨询 inquiry" in html.text
    pdf = client.get("/api/v1/reports/orders-by/category", params={"format": "pdf"}, headers=desk.leader)
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 1000
    xlsx = client.get("/api/v1/reports/orders-by/reason", params={"format": "xlsx"}, headers=desk.leader)
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("来电原因") and {r[0] for r in rows[1:]} == {"停水", "施工噪音"}
    csv = client.get("/api/v1/reports/orders-by/agent", params={"format": "csv"}, headers=desk.leader)
    assert csv.headers["content-disposition"].endswith('orders-by-agent.csv"')
    assert csv.content.decode("utf-8-sig").splitlines()[1].split(",")[1] == "3"


def test_reports_check_roles_input_and_tenant(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.submitted(INQUIRY)
    assert client.get("/api/v1/reports/call-kpis", headers=desk.agent).status_code == 403
    assert client.get("/api/v1/reports/orders-by/colour", headers=desk.leader).status_code == 422
    assert (
        client.get(
            "/api/v1/reports/orders-by/category", params={"format": "doc"}, headers=desk.leader
        ).status_code
        == 422
    )
    backwards = client.get(
        "/api/v1/reports/sla-compliance",
        headers=desk.leader,
        params={"date_from": "2026-02-01", "date_to": "2026-01-01"},
    )
    assert backwards.status_code == 422
    _, elsewhere = make_user("leader", "other")
    assert client.get("/api/v1/reports/orders-by/category", headers=elsewhere).json()["rows"] == []


def test_call_kpis_and_satisfaction_come_from_the_call_records(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general", name="综合咨询", sl_seconds=20)
    agent_id, agent = floor.agent({"general": 0})
    answered = floor.call()
    client.post(f"/api/v1/calls/{answered}/answer", headers=agent)
    client.post(f"/api/v1/calls/{answered}/hangup", headers=agent)
    client.post(f"/api/v1/sim/calls/{answered}/rate", headers=floor.leader, json={"score": 5})
    client.post("/api/v1/agents/me/not-ready", headers=agent, json={"reason": "meal"})
    lost = floor.call()
    client.post(f"/api/v1/sim/calls/{lost}/hangup", headers=floor.leader)
    kpis = client.get("/api/v1/reports/call-kpis", headers=floor.leader).json()["rows"]
    assert len(kpis) == 1
    row = kpis[0]
    assert (row["queue"], row["offered"], row["answered"], row["abandoned"]) == ("综合咨询", 2, 1, 1)
    assert row["service_level"] == 0.5 and row["abandon_rate"] == 0.5 and row["satisfaction"] == 5
    happy = client.get("/api/v1/reports/satisfaction", headers=floor.leader).json()["rows"]
    assert [(r["surveys"], r["satisfied"]) for r in happy] == [(1, 1.0)]
    assert happy[0]["meets_norm"].startswith("是")
    assert agent_id


def test_sla_compliance_counts_a_breached_completion_clock(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    _, agent = floor.agent({"general": 0})
    call_id = floor.call()
    client.post(f"/api/v1/calls/{call_id}/answer", headers=agent)
    client.post(f"/api/v1/calls/{call_id}/hangup", headers=agent)
    desk = Desk.__new__(Desk)
    desk.client = client
    desk.settle()
    desk.tick(desk.now() + 16 * 60)
    # the clock falls due 15 minutes on: after local midnight when the test runs just before it
    due_day = datetime.fromtimestamp(desk.now() + 16 * 60, CHINA_TZ).date().isoformat()
    rows = client.get(
        "/api/v1/reports/sla-compliance", params={"date_to": due_day}, headers=floor.leader
    ).json()["rows"]
    completion = next(r for r in rows if r["kind"] == "completion")
    assert (completion["clocks"], completion["breached"], completion["in_time"]) == (1, 1, 0)
    assert completion["compliance"] == 0.0


def test_the_report_and_the_wallboard_share_one_definition_of_each_figure(
    client: TestClient, make_user: Any
) -> None:
    """ADR 0007: the same totals, the same functions; a figure with no denominator is empty."""
    floor = Floor(client, make_user)
    floor.queue("general", name="general", sl_seconds=20)
    floor.queue("lost", name="lost", sl_seconds=20)
    _, agent = floor.agent({"general": 0})
    answered = floor.call("general")
    client.post(f"/api/v1/calls/{answered}/answer", headers=agent)
    client.post(f"/api/v1/calls/{answered}/hangup", headers=agent)
    for _ in range(2):
        client.post(f"/api/v1/sim/calls/{floor.call('lost')}/hangup", headers=floor.leader)
    eventually(lambda: len(client.get("/api/v1/reports/call-kpis", headers=floor.leader).json()["rows"]) == 2)
    rows = {
        r["queue"]: r for r in client.get("/api/v1/reports/call-kpis", headers=floor.leader).json()["rows"]
    }
    lost = rows["lost"]
    assert (lost["offered"], lost["answered"], lost["abandoned"]) == (2, 0, 2)
    assert lost["service_level"] == 0.0 and lost["abandon_rate"] == 1.0
    assert lost["asa"] is None and lost["aht"] is None and lost["acw"] is None  # nobody answered
    general = rows["general"]
    assert general["service_level"] == 1.0 and isinstance(general["asa"], float)
    assert isinstance(general["aht"], float) and isinstance(general["acw"], float)
    board = {
        s["queue_id"]: s["today"]
        for s in client.get("/api/v1/floor/queue-stats", headers=floor.leader).json()
    }
    for queue_id in ("general", "lost"):
        figures = board[queue_id]
        assert (figures["service_level"], figures["abandon_rate"]) == (
            rows[queue_id]["service_level"],
            rows[queue_id]["abandon_rate"],
        )
