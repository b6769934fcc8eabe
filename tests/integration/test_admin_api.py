"""The admin console's own API: the center's calendar (hours per weekday, holidays, make-up
working days, a month to draw), prompts generated from text, and the duty roster with the
leaders' names (leaders may not list users). SQLite and PostgreSQL, by role and by tenant."""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest
from starlette.testclient import TestClient

from helpline.adapters.tts import espeak_binary

OFFICE = {
    "weekly": {
        "0": "08:30-12:00, 13:30-17:30",
        "1": "08:30-17:30",
        "2": "08:30-17:30",
        "3": "08:30-17:30",
        "4": "08:30-17:30",
    },
    "holidays": ["2026-10-01", "2026-10-02"],
    "workdays": ["2026-10-10"],
}


def test_a_new_tenant_runs_around_the_clock(client: TestClient, make_user: Any) -> None:
    _, admin = make_user("admin")
    response = client.get("/api/v1/admin/calendar", headers=admin)
    assert response.status_code == 200
    assert response.json()["always"] is True
    month = client.get("/api/v1/admin/calendar/month", params={"month": "2026-02"}, headers=admin).json()
    assert len(month["days"]) == 28
    assert {d["kind"] for d in month["days"]} == {"open"}
    assert month["days"][0]["hours"] == "00:00-24:00"


def test_an_admin_sets_office_hours_holidays_and_make_up_days(client: TestClient, make_user: Any) -> None:
    _, admin = make_user("admin")
    saved = client.put("/api/v1/admin/calendar", json=OFFICE, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["holidays"] == ["2026-10-01", "2026-10-02"]
    assert (
        client.get("/api/v1/admin/calendar", headers=admin).json()["weekly"]["0"]
        == "08:30-12:00, 13:30-17:30"
    )
    days = {
        d["date"]: d
        for d in client.get("/api/v1/admin/calendar/month?month=2026-10", headers=admin).json()["days"]
    }
    assert days["2026-10-01"]["kind"] == "holiday" and days["2026-10-01"]["hours"] == ""
    assert days["2026-10-10"]["kind"] == "workday"  # a Saturday worked (调休), Monday's hours
    assert days["2026-10-10"]["hours"] == "08:30-12:00, 13:30-17:30"
    assert days["2026-10-11"]["kind"] == "closed"  # Sunday
    assert days["2026-10-13"] == {"date": "2026-10-13", "weekday": 1, "kind": "open", "hours": "08:30-17:30"}
    # the SLA policy keeps its other settings and now runs on this calendar
    settings = client.get("/api/v1/workorder-settings", headers=admin).json()
    assert settings["sla"]["calendar"]["workdays"] == ["2026-10-10"]


def test_the_sla_spans_survive_a_calendar_change(client: TestClient, make_user: Any) -> None:
    _, admin = make_user("admin")
    spans = {"sla": {"spans": {"complaint_simple": 3600}}}
    assert client.put("/api/v1/workorder-settings", json=spans, headers=admin).status_code == 200
    assert client.put("/api/v1/admin/calendar", json=OFFICE, headers=admin).status_code == 200
    sla = client.get("/api/v1/workorder-settings", headers=admin).json()["sla"]
    assert sla["spans"] == {"complaint_simple": 3600}


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"weekly": {"2": "9:00-25:00"}}, "invalid_hours", "weekly.2"),
        ({"weekly": {"1": "12:00-08:00"}}, "invalid_hours", "weekly.1"),
        (
            {"weekly": {"0": "08:00-17:00"}, "holidays": ["2026-10-01"], "workdays": ["2026-10-01"]},
            "holiday_is_workday",
            "workdays",
        ),
        ({"weekly": {}}, "no_working_hours", "weekly"),
        ({"weekly": {"7": "08:00-17:00"}}, "invalid_weekday", "weekly"),
    ],
)
def test_a_wrong_calendar_is_refused_with_the_field_named(
    client: TestClient, make_user: Any, body: dict[str, Any], code: str, field: str
) -> None:
    _, admin = make_user("admin")
    response = client.put("/api/v1/admin/calendar", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["fields"]["field"] == field
    assert client.get("/api/v1/admin/calendar", headers=admin).json()["always"] is True  # nothing kept


def test_a_bad_day_or_month_is_a_clear_4xx(client: TestClient, make_user: Any) -> None:
    _, admin = make_user("admin")
    response = client.put(
        "/api/v1/admin/calendar",
        json={"weekly": {"0": "08:00-17:00"}, "holidays": ["2026-13-01"]},
        headers=admin,
    )
    assert response.status_code == 422 and "holidays" in response.text
    for month in ("2026-13", "October", "2026-1"):
        response = client.get("/api/v1/admin/calendar/month", params={"month": month}, headers=admin)
        assert response.status_code == 422 and response.json()["code"] == "invalid_month"


def test_leaders_read_the_calendar_only_admins_change_it(client: TestClient, make_user: Any) -> None:
    _, agent = make_user("agent")
    _, leader = make_user("leader")
    _, supervisor = make_user("supervisor")
    assert client.get("/api/v1/admin/calendar", headers=agent).status_code == 403
    assert client.get("/api/v1/admin/calendar/month?month=2026-10", headers=agent).status_code == 403
    assert client.get("/api/v1/admin/calendar", headers=leader).status_code == 200
    assert client.get("/api/v1/admin/calendar/month?month=2026-10", headers=leader).status_code == 200
    for headers in (leader, supervisor):
        assert client.put("/api/v1/admin/calendar", json=OFFICE, headers=headers).status_code == 403
    assert client.get("/api/v1/admin/calendar").status_code == 401


def test_each_tenant_has_its_own_calendar(client: TestClient, make_user: Any) -> None:
    _, admin_a = make_user("admin", tenant="tenant-a")
    _, admin_b = make_user("admin", tenant="tenant-b")
    assert client.put("/api/v1/admin/calendar", json=OFFICE, headers=admin_a).status_code == 200
    assert client.get("/api/v1/admin/calendar", headers=admin_b).json()["always"] is True
    assert client.get("/api/v1/admin/calendar", headers=admin_a).json()["always"] is False


# ---- prompts from text ---------------------------------------------------------------------------


def _frames(data: bytes) -> tuple[int, int]:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getframerate(), wav.getnframes()


@pytest.mark.skipif(espeak_binary() is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_an_admin_generates_a_prompt_from_text(client: TestClient, make_user: Any) -> None:
    _, admin = make_user("admin")
    body = {"zh": "国庆期间，热线照常服务。", "en": "The hotline is open during the holiday."}
    response = client.post("/api/v1/ivr/prompts/holiday_notice/generate", json=body, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "tenant" and response.json()["seconds"] > 1.0
    listed = {p["id"]: p for p in client.get("/api/v1/ivr/prompts", headers=admin).json()}
    assert listed["holiday_notice"]["source"] == "tenant"
    played = client.get("/api/v1/ivr/prompts/holiday_notice", headers=admin)
    rate, frames = _frames(played.content)
    assert rate == 8000 and frames > 8000
    # another tenant does not have it
    _, other = make_user("admin", tenant="other")
    assert client.get("/api/v1/ivr/prompts/holiday_notice", headers=other).status_code == 404


def test_generating_needs_text_a_valid_id_and_an_admin(client: TestClient, make_user: Any) -> None:
    _, admin = make_user("admin")
    _, supervisor = make_user("supervisor")
    empty = client.post("/api/v1/ivr/prompts/x/generate", json={"zh": "  ", "en": ""}, headers=admin)
    assert empty.status_code == 422 and empty.json()["code"] == "text_required"
    if espeak_binary() is not None:
        bad = client.post("/api/v1/ivr/prompts/bad id!/generate", json={"en": "hello"}, headers=admin)
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_prompt_id"
    too_long = client.post("/api/v1/ivr/prompts/x/generate", json={"zh": "长" * 501}, headers=admin)
    assert too_long.status_code == 422
    refused = client.post("/api/v1/ivr/prompts/x/generate", json={"en": "hello"}, headers=supervisor)
    assert refused.status_code == 403


def test_a_unit_has_its_own_calendar(client: TestClient, make_user: Any) -> None:
    _, admin = make_user("admin")
    _, leader = make_user("leader")
    assert client.put("/api/v1/units/water", json={"name": "自来水公司"}, headers=admin).status_code == 200
    assert client.get("/api/v1/admin/calendar?unit=water", headers=admin).json()["always"] is True
    saved = client.put("/api/v1/admin/calendar?unit=water", json=OFFICE, headers=admin)
    assert saved.status_code == 200, saved.text
    unit = next(u for u in client.get("/api/v1/units", headers=admin).json() if u["id"] == "water")
    assert unit["calendar"]["holidays"] == ["2026-10-01", "2026-10-02"]
    assert client.get("/api/v1/admin/calendar", headers=admin).json()["always"] is True  # the center's stays
    days = client.get("/api/v1/admin/calendar/month?month=2026-10&unit=water", headers=leader).json()["days"]
    assert days[0]["kind"] == "holiday" and days[12]["hours"] == "08:30-17:30"


def test_a_missing_or_foreign_unit_is_not_found_and_never_created(client: TestClient, make_user: Any) -> None:
    _, admin_a = make_user("admin", tenant="tenant-a")
    _, admin_b = make_user("admin", tenant="tenant-b")
    assert client.put("/api/v1/units/gas", json={"name": "燃气"}, headers=admin_a).status_code == 200
    for method, path in (
        ("GET", "/api/v1/admin/calendar?unit=gas"),
        ("GET", "/api/v1/admin/calendar/month?month=2026-10&unit=gas"),
        ("PUT", "/api/v1/admin/calendar?unit=gas"),
        ("PUT", "/api/v1/admin/calendar?unit=nowhere"),
    ):
        response = client.request(method, path, json=OFFICE if method == "PUT" else None, headers=admin_b)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "unit_not_found"
    assert client.get("/api/v1/units", headers=admin_b).json() == []


def test_a_leader_reads_the_roster_with_names_and_who_is_on_duty(client: TestClient, make_user: Any) -> None:
    supervisor_user, supervisor = make_user("supervisor")
    night, _ = make_user("leader", display_name="夜班 李强")
    _, leader = make_user("leader")
    _, other_tenant = make_user("leader", tenant="tenant-b")
    made = client.post(
        "/api/v1/duty/shifts", json={"leader_id": night.id, "hours": "00:00-24:00"}, headers=supervisor
    )
    assert made.status_code == 201, made.text
    assert made.json()["leader_name"] == "夜班 李强"
    shifts = client.get("/api/v1/duty/shifts", headers=leader).json()
    assert [(s["leader_id"], s["leader_name"], s["hours"]) for s in shifts] == [
        (night.id, "夜班 李强", "00:00-24:00")
    ]
    now = client.get("/api/v1/duty/now", headers=leader).json()
    assert now["leader_id"] == night.id and now["names"] == {night.id: "夜班 李强"}
    assert client.get("/api/v1/duty/shifts", headers=other_tenant).json() == []
    assert client.get("/api/v1/duty/now", headers=other_tenant).json()["names"] == {}
    refused = client.post(
        "/api/v1/duty/shifts", json={"leader_id": supervisor_user.id, "hours": "8-9"}, headers=leader
    )
    assert refused.status_code == 403
