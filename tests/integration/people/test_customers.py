"""Customers, phone matching, import/export and the screen pop, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from typing import Any

from acd_helpers import Floor
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook


def _create(client: TestClient, headers: dict[str, str], **values: Any) -> dict[str, Any]:
    response = client.post("/api/v1/customers", headers=headers, json=values)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_numbers_match_in_any_spelling(client: TestClient, make_user: Any) -> None:
    _, agent = make_user("agent")
    wang = _create(
        client,
        agent,
        name="王小明",
        phones=["138-1234-5678", "(010) 6552 8888 转 801"],
        vip_level=3,
        address="北京市朝阳区建国路 1 号",
    )
    assert wang["phones"][0]["canonical"] == "+8613812345678"
    for spelling in ("+86 138 1234 5678", "008613812345678", "13812345678", "86-13812345678"):
        found = client.get("/api/v1/customers/lookup", params={"phone": spelling}, headers=agent).json()
        assert [(c["id"], c["match"]) for c in found] == [(wang["id"], "exact")], spelling
    landline = client.get(
        "/api/v1/customers/lookup", params={"phone": "+86 10 6552 8888"}, headers=agent
    ).json()
    assert [c["name"] for c in landline] == ["王小明"]
    local = client.get("/api/v1/customers/lookup", params={"phone": "6552 8888"}, headers=agent).json()
    assert [c["match"] for c in local] == ["possible"]
    assert client.get("/api/v1/customers/lookup", params={"phone": "13900000000"}, headers=agent).json() == []


def test_bad_customer_input_names_every_field(client: TestClient, make_user: Any) -> None:
    _, agent = make_user("agent")
    refused = client.post(
        "/api/v1/customers",
        headers=agent,
        json={"name": " ", "phones": ["12", "13812345678"], "vip_level": 9},
    )
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["fields"]["errors"]}
    assert fields == {"name", "phones[0]", "vip_level"}
    assert client.get("/api/v1/customers", headers=agent).json()["total"] == 0


def test_search_paginates_and_finds_chinese_names(client: TestClient, make_user: Any) -> None:
    _, agent = make_user("agent")
    for i in range(5):
        _create(client, agent, name=f"李{i}号", phones=[f"1391234567{i}"])
    _create(client, agent, name="Alice Chen", phones=["+1 415 555 0100"])
    page = client.get(
        "/api/v1/customers", params={"q": "李", "page_size": 2, "page": 2}, headers=agent
    ).json()
    assert page["total"] == 5 and len(page["items"]) == 2
    by_phone = client.get("/api/v1/customers", params={"phone": "139 1234 5673"}, headers=agent).json()
    assert [c["name"] for c in by_phone["items"]] == ["李3号"]


def test_import_reports_bad_rows_and_loads_the_good(client: TestClient, make_user: Any) -> None:
    _, supervisor = make_user("supervisor")
    csv_text = (
        "name,phones,address,vip_level,tags,custom.户号\n"
        "张三,13800000001;010-88889999,上海,1,重点;老客户,A001\n"
        ",13800000002,,0,,\n"
        "李四,not-a-number,,0,,\n"
        "王五,13800000003,,high,,\n"
        "赵六,13800000004,,2,,B9\n"
    )
    response = client.post(
        "/api/v1/customers/import",
        headers=supervisor,
        files={"file": ("customers.csv", csv_text.encode("utf-8-sig"), "text/csv")},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["imported"] == 2
    assert [(e["row"], [f["field"] for f in e["errors"]]) for e in report["errors"]] == [
        (3, ["name"]),
        (4, ["phones[0]"]),
        (5, ["vip_level"]),
    ]
    zhang = client.get("/api/v1/customers", params={"q": "张三"}, headers=supervisor).json()["items"][0]
    assert zhang["tags"] == ["重点", "老客户"] and zhang["custom"] == {"户号": "A001"}
    assert len(zhang["phones"]) == 2

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "phone", "phone2", "vip_level"])
    sheet.append(["钱七", "13800000005", "0755-12345678", 4])
    sheet.append(["孙八", "", None, 1])
    data = io.BytesIO()
    book.save(data)
    xlsx = client.post(
        "/api/v1/customers/import",
        headers=supervisor,
        files={"file": ("list.xlsx", data.getvalue(), "application/octet-stream")},
    )
    assert xlsx.json()["imported"] == 1 and xlsx.json()["errors"][0]["row"] == 3
    wrong = client.post(
        "/api/v1/customers/import", headers=supervisor, files={"file": ("list.txt", b"x", "text/plain")}
    )
    assert wrong.status_code == 422


def test_export_round_trips_in_csv_and_xlsx(client: TestClient, make_user: Any) -> None:
    _, supervisor = make_user("supervisor")
    _create(client, supervisor, name="周九", phones=["13800000009"], tags=["投诉"])
    csv_file = client.get("/api/v1/customers/export", params={"format": "csv"}, headers=supervisor)
    assert csv_file.content.startswith("\ufeff".encode())
    assert "周九" in csv_file.content.decode("utf-8-sig")
    xlsx = client.get("/api/v1/customers/export", params={"format": "xlsx"}, headers=supervisor)
    rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("name", "phones") and rows[1][0] == "周九"
    _, agent = make_user("agent")
    assert client.get("/api/v1/customers/export", headers=agent).status_code == 403


def test_customers_of_another_tenant_are_invisible(client: TestClient, make_user: Any) -> None:
    _, mine = make_user("agent")
    _, theirs = make_user("agent", "other")
    customer = _create(client, mine, name="吴十", phones=["13800000010"])
    assert client.get(f"/api/v1/customers/{customer['id']}", headers=theirs).status_code == 404
    assert (
        client.get("/api/v1/customers/lookup", params={"phone": "13800000010"}, headers=theirs).json() == []
    )


def test_the_ringing_agent_gets_the_screen_pop(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    agent_id, agent = floor.agent({"general": 0})
    vip = _create(client, floor.admin, name="郑女士", phones=["13912345678"], vip_level=5)
    first = floor.call(caller="+86 139 1234 5678", ivr={"menu": "2", "lang": "zh"})
    client.post(f"/api/v1/calls/{first}/answer", headers=agent)
    client.post(f"/api/v1/calls/{first}/hangup", headers=agent)
    token = agent["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/api/v1/events?token={token}") as ws:
        ws.receive_json()  # snapshot
        second = floor.call(caller="139-1234-5678", ivr={"menu": "3"})
        for _ in range(40):  # (the first call's pop may still be on its way)
            message = ws.receive_json()
            if message["event"]["type"] == "screen_pop" and message["event"]["call_id"] == second:
                break
        pop = message["event"]
    assert pop["call_id"] == second and pop["agent_ids"] == [agent_id]
    assert pop["pop"]["customer"]["id"] == vip["id"]
    assert pop["pop"]["ivr"] == {"menu": "3"}
    assert [c["id"] for c in pop["pop"]["recent_calls"]] == [first]
    assert pop["pop"]["new_caller"] is False
    assert pop["pop"]["caller_display"] == "139 1234 5678"
