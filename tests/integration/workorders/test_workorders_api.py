"""Work orders through the HTTP API, on SQLite and PostgreSQL: content checks, the flow with
its roles, routing to the leader on duty, duplicates, files, search, configuration, and
who sees which live event."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from wo_helpers import COMPLAINT, INQUIRY, Desk

from helpline.adapters import attachments


def test_a_draft_is_checked_on_submit_and_kept_when_refused(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    draft = desk.create(caller_number="138 0013 8000", values={"location": "朝阳区建国路"})
    assert re.fullmatch(r"\d{8}-0001", draft["number"]) and draft["state"] == "draft"
    assert draft["first_owner_id"] == desk.agent_user.id
    assert draft["values"]["caller_number"] == "+8613800138000"

    malformed = desk.edit(draft["id"], expect=422, priority="hyper", urgent="yes", colour="red", summary="ok")
    assert malformed["code"] == "invalid_changes"
    assert malformed["fields"]["fields"] == ["priority", "urgent", "colour"]

    refused = desk.act(draft["id"], "submit", expect=422)
    assert refused["code"] == "invalid_work_order"
    assert set(refused["fields"]["fields"]) == {
        "category",
        "summary",
        "event_time",
        "place",
        "course",
        "request",
        "reason_code",
    }
    kept = desk.get(draft["id"])
    assert kept["state"] == "draft" and kept["values"]["location"] == "朝阳区建国路"
    assert [e["action"] for e in kept["timeline"]] == ["open", "edit"]

    wrong_code = desk.edit(draft["id"], **{**INQUIRY, "reason_code": "water"})
    assert desk.act(draft["id"], "submit", expect=422)["fields"]["fields"] == ["reason_code"]
    assert wrong_code["state"] == "draft"
    desk.edit(draft["id"], reason_code="water.outage")
    submitted = desk.act(draft["id"], "submit")
    assert submitted["state"] == "submitted" and submitted["assignee"] is None
    assert submitted["title"] == "朝阳区建国路：咨询计划停水的时间"
    actions = [(e["action"], e["actor_id"], e["new_state"]) for e in submitted["timeline"]]
    assert actions[-1] == ("submit", desk.agent_user.id, "submitted")
    last_edit = [e for e in submitted["timeline"] if e["action"] == "edit"][-1]
    assert last_edit["detail"]["changes"] == {"reason_code": ["water", "water.outage"]}
    assert desk.edit(draft["id"], summary="", expect=422)["fields"]["fields"] == ["summary"]


def test_numbers_count_per_tenant_and_other_tenants_see_nothing(client: TestClient, make_user: Any) -> None:
    home, away = Desk(client, make_user), Desk(client, make_user, "other")
    numbers = [home.create()["number"] for _ in range(3)]
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]
    theirs = away.create()
    assert theirs["number"] == numbers[0]
    mine = home.get(numbers[1])  # by number as well as by id
    for response in (
        client.get(f"/api/v1/workorders/{mine['id']}", headers=away.agent),
        client.patch(f"/api/v1/workorders/{mine['id']}", headers=away.leader, json={"summary": "x"}),
        client.post(f"/api/v1/workorders/{mine['id']}/submit", headers=away.admin),
        client.post(
            f"/api/v1/workorders/{theirs['id']}/merge", headers=away.agent, json={"into": mine["id"]}
        ),
    ):
        assert response.status_code == 404, response.text
    listed = client.get("/api/v1/workorders", headers=away.leader).json()
    assert [o["id"] for o in listed["items"]] == [theirs["id"]]


def test_transfer_to_a_unit_through_the_whole_flow(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    handler_user, handler = make_user("agent")
    desk.unit("water", name="自来水公司", head_user_id=desk.leader_user.id)
    desk.members("water", handler_user.id)
    order = desk.submitted({**COMPLAINT, "category": "suggestion", "reason_code": "noise.construction"})
    oid = order["id"]
    assert desk.act(oid, "accept", handler, expect=403)["code"] == "role_not_allowed"  # not theirs yet
    assigned = desk.act(oid, "assign", kind="unit", id="water", note="请核实")
    assert assigned["state"] == "assigned" and assigned["assignee"] == {"kind": "unit", "id": "water"}
    assert desk.act(oid, "accept", desk.other, expect=403)["code"] == "role_not_allowed"
    assert desk.act(oid, "accept", handler)["state"] == "accepted"
    assert desk.act(oid, "accept", handler, expect=409)["code"] == "invalid_workorder_transition"
    assert desk.act(oid, "return", handler, reason=" ", expect=422)["fields"]["fields"] == ["reason"]
    returned = desk.act(oid, "return", handler, reason="不属于本单位职责")
    assert returned["state"] == "returned" and returned["return_count"] == 1
    desk.act(oid, "assign", desk.leader, kind="unit", id="water")
    desk.act(oid, "accept", handler)
    assert desk.act(oid, "start", handler)["state"] == "in_progress"
    replied = desk.act(oid, "reply", handler, text="已协调夜间停工", cause="施工许可未限制夜间作业")
    assert replied["state"] == "replied" and replied["reply"] == "已协调夜间停工"
    assert desk.act(oid, "close", handler, expect=403)["code"] == "not_responsible"
    assert desk.act(oid, "close")["state"] == "closed"
    assert desk.act(oid, "visit", desk.other, score=6, expect=422)["code"] == "invalid_score"
    visited = desk.act(oid, "visit", desk.other, score=1, note="仍有噪音")
    assert visited["state"] == "visited" and visited["satisfaction"] == 1
    assert desk.act(oid, "reopen", reason="回访不满意", expect=403)["code"] == "role_not_allowed"
    reopened = desk.act(oid, "reopen", desk.leader, reason="回访不满意")
    assert reopened["state"] == "reopened" and reopened["reopen_count"] == 1
    assert reopened["first_owner_id"] == desk.agent_user.id  # 首问: the owner never changes
    trail = [(e["action"], e["actor_role"]) for e in reopened["timeline"]]
    assert ("accept", "department") in trail and ("return", "department") in trail
    assert trail[-3:] == [("close", "agent"), ("visit", "agent"), ("reopen", "leader")]
    mine = client.get("/api/v1/workorders/mine", headers=desk.agent).json()
    assert [o["id"] for o in mine["items"]] == [oid]


def test_serious_orders_go_to_the_leader_on_duty_or_the_unit_head(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    draft = desk.create(values=COMPLAINT)
    refused = desk.act(draft["id"], "submit", expect=422)
    assert refused["code"] == "no_route" and desk.get(draft["id"])["state"] == "draft"
    head_user, _ = make_user("agent")
    desk.unit("city", head_user_id=head_user.id)
    desk.edit(draft["id"], unit_id="city")
    routed = desk.act(draft["id"], "submit")
    assert routed["state"] == "assigned" and routed["assignee"] == {"kind": "user", "id": head_user.id}

    desk.on_duty_all_day()
    assert client.get("/api/v1/duty/now", headers=desk.agent).json()["leader_id"] == desk.leader_user.id
    urgent = desk.submitted({**INQUIRY, "urgent": True})
    assert urgent["title"].startswith("【急件】")
    assert urgent["assignee"] == {"kind": "user", "id": desk.leader_user.id}
    assert urgent["timeline"][-1]["detail"]["note"] == "auto: urgent"
    assert desk.act(urgent["id"], "close", expect=409)["code"] == "invalid_workorder_transition"
    inbox = client.get("/api/v1/workorders/inbox", headers=desk.leader).json()
    assert {o["id"] for o in inbox["items"]} == {draft["id"], urgent["id"]}
    assert inbox["items"][0]["id"] == urgent["id"] and inbox["items"][0]["clocks"] == []
    assert client.get("/api/v1/workorders/inbox", headers=desk.agent).status_code == 403
    assert desk.act(urgent["id"], "supervise", expect=403)["code"] == "role_not_allowed"
    flagged = desk.act(urgent["id"], "supervise", desk.leader, note="今日办结")
    assert flagged["supervised"] is True
    assert desk.act(urgent["id"], "supervise", desk.leader, expect=409)["code"] == "supervision_unchanged"
    sent = desk.act(urgent["id"], "assign", desk.leader, kind="leader", expect=409)
    assert sent["code"] == "already_assigned"


def test_merging_a_duplicate_keeps_both_histories(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    desk.reasons()
    first = desk.submitted(INQUIRY)
    second = desk.create(headers=desk.other, values={"location": "建国路", "summary": "又问停水"})
    desk.act(second["id"], "comments", desk.other, text="同一件事", expect=201)
    merged = desk.act(second["id"], "merge", desk.other, into=first["number"])
    assert merged["id"] == first["id"] and merged["duplicate_count"] == 1
    numbers = {e["number"] for e in merged["timeline"]}
    assert numbers == {first["number"], second["number"]}
    assert [e["action"] for e in merged["timeline"] if e["order_id"] == first["id"]][-1] == "absorb"
    gone = desk.get(second["id"])
    assert gone["state"] == "merged" and gone["merged_into"] == first["id"]
    assert [e["action"] for e in gone["timeline"]] == ["open", "edit", "comment", "merge"]
    third = desk.create()
    assert (
        desk.act(third["id"], "merge", into=second["id"], expect=409)["code"]
        == "invalid_workorder_transition"
    )
    assert desk.act(third["id"], "merge", into=third["id"], expect=422)["code"] == "merge_into_itself"


def test_comments_and_attachments(
    client: TestClient, make_user: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    desk = Desk(client, make_user)
    order = desk.create()
    commented = desk.act(order["id"], "comments", text="来电人稍后补充照片", expect=201)
    assert commented["comments"][0]["text"] == "来电人稍后补充照片"
    photo = b"\x89PNG fake image bytes" * 100
    uploaded = client.post(
        f"/api/v1/workorders/{order['id']}/attachments",
        headers=desk.agent,
        files={"file": ("现场照片.png", photo, "image/png")},
    )
    assert uploaded.status_code == 201, uploaded.text
    meta = uploaded.json()["attachments"][0]
    assert meta["name"] == "现场照片.png" and meta["size"] == len(photo)
    assert meta["sha256"] == hashlib.sha256(photo).hexdigest() and meta["content_type"] == "image/png"
    assert [e["action"] for e in uploaded.json()["timeline"]][-2:] == ["comment", "attach"]
    stored = list((tmp_path / "attachments" / "default" / order["id"]).iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == photo
    download = client.get(f"/api/v1/workorders/{order['id']}/attachments/{meta['id']}", headers=desk.other)
    assert download.status_code == 200 and download.content == photo
    assert "filename*=utf-8''" in download.headers["content-disposition"]

    monkeypatch.setattr(attachments, "MAX_ATTACHMENT", 1000)
    monkeypatch.setattr("helpline.web.api.workorders.orders.MAX_ATTACHMENT", 1000)
    big = client.post(
        f"/api/v1/workorders/{order['id']}/attachments",
        headers=desk.agent,
        files={"file": ("big.bin", b"0" * 1001, "application/octet-stream")},
    )
    assert big.status_code == 422 and big.json()["code"] == "file_too_large"
    away = Desk(client, make_user, "other")
    assert (
        client.get(
            f"/api/v1/workorders/{order['id']}/attachments/{meta['id']}", headers=away.agent
        ).status_code
        == 404
    )
    assert len(list((tmp_path / "attachments" / "default" / order["id"]).iterdir())) == 1


def test_search_by_number_caller_customer_custom_fields_and_text(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    for key, body in {
        "households": {"label": "户数", "type": "number", "minimum": 0},
        "district": {"label": "区", "type": "choice", "options": ["朝阳", "海淀"]},
    }.items():
        assert client.put(f"/api/v1/workorder-fields/{key}", headers=desk.admin, json=body).status_code == 200
    customer = client.post(
        "/api/v1/customers", headers=desk.agent, json={"name": "李建国", "phones": ["13800138000"]}
    ).json()
    first = desk.create(
        caller_number="+86 138 0013 8000",
        values={
            "customer_id": customer["id"],
            "households": 3.0,
            "district": "朝阳",
            "summary": "自来水发黄",
        },
    )
    desk.create(
        caller_number="010-6552 8888", values={"households": 12, "district": "海淀", "summary": "暖气不热"}
    )
    desk.create(values={"summary": "路灯不亮"})

    def ids(**params: Any) -> list[str]:
        response = client.get("/api/v1/workorders", headers=desk.agent, params=params)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["items"]]

    assert ids(caller="0086 138-0013-8000") == [first["id"]]
    landline = ids(caller="010-65528888")
    assert len(landline) == 1 and landline != [first["id"]]
    assert ids(caller="6552 8888") == landline, "typed without the area code, as a local caller says it"
    assert ids(caller="5528888") == [], "a different local number"
    assert client.get("/api/v1/workorders", headers=desk.agent, params={"caller": "abc"}).status_code == 422
    assert ids(customer="建国") == [first["id"]]
    assert ids(**{"cf.households": "3"}) == [first["id"]]
    assert ids(**{"cf.district": "海淀", "cf.households": "12"}) != []
    assert ids(number=first["number"]) == [first["id"]]
    assert ids(q="发黄") == [first["id"]]
    assert len(ids(state="draft")) == 3 and ids(state="closed") == []
    page = client.get("/api/v1/workorders", headers=desk.agent, params={"page_size": 2, "page": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert client.get("/api/v1/workorders", headers=desk.agent, params={"cf.households": "many"}).json()[
        "fields"
    ]["fields"] == ["cf.households"]
    bad = desk.edit(first["id"], households="many", district="西城", expect=422)
    assert bad["fields"]["fields"] == ["households", "district"]
    unknown = desk.edit(first["id"], customer_id="nobody", unit_id="nowhere", expect=422)
    assert unknown["fields"]["fields"] == ["customer_id", "unit_id"]


def test_configuration_is_validated_and_kept_for_admins(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    put = client.put
    assert (
        put(
            "/api/v1/reason-codes", headers=desk.admin, json={"nodes": [{"code": "a", "parent": "missing"}]}
        ).status_code
        == 422
    )
    assert put("/api/v1/workorder-fields/location", headers=desk.admin, json={}).status_code == 422
    assert (
        put("/api/v1/workorder-fields/kind", headers=desk.admin, json={"type": "choice"}).status_code == 422
    )
    assert (
        put(
            "/api/v1/units/u1", headers=desk.admin, json={"calendar": {"weekly": {"9": "09:00-17:00"}}}
        ).status_code
        == 422
    )
    assert (
        put(
            "/api/v1/workorder-settings", headers=desk.admin, json={"sla": {"spans": {"forever": 1}}}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/duty/shifts",
            headers=desk.admin,
            json={"leader_id": desk.leader_user.id, "hours": "25:00-08:00"},
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/duty/shifts",
            headers=desk.admin,
            json={"leader_id": desk.agent_user.id, "hours": "08:00-20:00"},
        ).status_code
        == 422
    )
    for path in ("/api/v1/reason-codes", "/api/v1/workorder-settings", "/api/v1/units/u1"):
        assert put(path, headers=desk.agent, json={}).status_code == 403
    assert (
        put(
            "/api/v1/workorder-settings",
            headers=desk.admin,
            json={"number_prefix": "BJ", "required": {"suggestion": ["summary"]}},
        ).status_code
        == 200
    )
    assert desk.create()["number"].startswith("BJ-")
    suggestion = desk.create(values={"category": "suggestion", "summary": "增加公交班次"})
    assert desk.act(suggestion["id"], "submit")["state"] == "submitted"
    assert client.get("/api/v1/workorder-settings", headers=desk.agent).json()["number_prefix"] == "BJ"


def test_live_events_reach_the_people_of_the_order(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    token = desk.agent["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/api/v1/events?token={token}") as ws:
        assert ws.receive_json()["type"] == "snapshot"
        desk.create(headers=desk.other)  # not the agent's order: not shown to them
        mine = desk.create()
        event = ws.receive_json()["event"]
    assert event["type"] == "work_order_created" and event["order_id"] == mine["id"]
    assert event["owner_id"] == desk.agent_user.id and desk.agent_user.id in event["audience"]
