"""The leader's floor in a real browser: an agent asks for a break on the desktop, the leader
approves it on the wallboard and the agent sees it; a message from the leader arrives on the
desktop; a hold past the limit raises a norm alert on the wallboard; the inbox shows a
complaint order with its clock. Screenshots: wallboard-floor.png, agent-floor.png."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser e2e tests need the playwright package (pip install playwright)"
).expect

SignIn = Callable[[Any, str, str, str], None]
Shot = Callable[[Any, str], None]
WALLBOARD = {"width": 1920, "height": 1080}


# the e2e conftest's API client (test modules do not import conftest): the leader's, signed in as others
Api = Any


@pytest.fixture
def agent_api(live_server: str, leader_api: Api) -> Iterator[Api]:
    api = type(leader_api)(live_server, "agent3", "agent123")
    yield api
    for request in api.get("/floor/breaks?status=open&mine=true"):  # leave no open request behind
        if request["status"] in ("pending", "approved"):
            api.client.post(f"/api/v1/floor/breaks/{request['id']}/cancel")
    api.client.close()


def test_a_break_is_asked_on_the_desktop_and_approved_on_the_wallboard(
    new_page: Callable[..., Any], sign_in: SignIn, screenshot: Shot, agent_api: Api, leader_api: Api
) -> None:
    board = new_page(viewport=WALLBOARD)
    sign_in(board, "leader", "leader123", "wallboard.html")
    agent = new_page()
    sign_in(agent, "agent3", "agent123", "agent.html")

    agent.get_by_text("申请离席").click()
    form = agent.locator("#floor-break-form")
    form.get_by_label("原因", exact=True).select_option("other")
    form.get_by_label("分钟").fill("3")
    form.get_by_label("说明").fill("去一下洗手间")
    form.get_by_role("button", name="提交申请").click()
    expect(agent.locator("#floor-break-status")).to_contain_text("待批准")

    board.get_by_role("tab", name="离席申请").click()
    card = board.locator("#break-list li[data-status='pending']")
    expect(card).to_contain_text("去一下洗手间", timeout=1000)
    expect(board.locator("#breaks-count")).to_have_text("1")
    card.get_by_role("button", name="批准").click()
    board.get_by_label("备注").fill("五分钟内回来")
    board.locator("#ask-ok").click()
    expect(agent.locator("#floor-break-status")).to_contain_text("离席已批准", timeout=1000)
    expect(agent.locator("#floor-break-status")).to_contain_text("五分钟内回来")

    # the leader writes to this agent; it arrives on the desktop with an unread badge
    board.get_by_role("tab", name="消息").click()
    board.get_by_label("发给").select_option(agent_api.user_id)
    board.get_by_label("内容").fill("请注意：10点有培训")
    board.get_by_role("button", name="发送").click()
    expect(agent.locator("#floor-msg-box .floor-badge")).to_have_text("1", timeout=1000)
    expect(board.locator("#sent-list")).to_contain_text("请注意：10点有培训")
    agent.locator("#floor-msg-box summary").click()
    expect(agent.locator("#floor-messages")).to_contain_text("请注意：10点有培训")
    expect(agent.locator("#floor-msg-box .floor-badge")).to_be_hidden()

    # the agent leaves: not ready with the break's reason, and a countdown runs
    expect(agent.locator("#btn-login")).to_be_hidden()  # the desktop signs in to the phone by itself
    agent.get_by_role("button", name="开始离席").click()
    expect(agent.locator("#floor-countdown")).to_contain_text("剩余")
    expect(agent.locator("#state-reason")).to_have_text("其他")
    screenshot(agent, "agent-floor")
    board.get_by_role("tab", name="离席申请").click()
    expect(board.locator("#break-list li[data-status='started']")).to_contain_text("离席中")
    screenshot(board, "wallboard-breaks")
    agent.locator("#btn-ready").click()
    expect(board.locator("#break-list li[data-status='started']")).to_have_count(0)
    expect(agent.locator("#floor-break-status")).to_be_hidden()  # the break ended, and with it the status

    # both screens speak English when asked
    board.locator("#lang").select_option("en")
    expect(board.get_by_role("tab", name="Breaks")).to_be_visible()
    expect(board.locator(".q-sl-today dt").first).to_have_text("SL today")
    agent.locator("#lang").select_option("en")
    expect(agent.locator("#floor-msg-box summary")).to_contain_text("Messages")
    expect(agent.locator("#floor-break-box summary")).to_have_text("Request a break")


def _complaint_reason(api: Api) -> str:
    """A leaf of the tenant's reason tree that fits a complaint (other tests may have set one up);
    with no tree, any code is taken."""
    nodes = api.get("/reason-codes")
    by_code = {n["code"]: n for n in nodes}
    parents = {n["parent"] for n in nodes}
    for node in nodes:
        categories = node["categories"] or (by_code.get(node["parent"]) or {}).get("categories") or []
        if node["code"] not in parents and (not categories or "complaint" in categories):
            return str(node["code"])
    return "noise"


def test_a_long_hold_raises_a_norm_alert_and_the_inbox_shows_a_complaint(
    new_page: Callable[..., Any],
    sign_in: SignIn,
    screenshot: Shot,
    agent_api: Api,
    leader_api: Api,
    live_server: str,
) -> None:
    supervisor = type(leader_api)(live_server, "supervisor", "super123")
    limits = supervisor.get("/floor/settings")
    # the server runs on the wall clock: a hold limit of 2 s instead of waiting 30 s
    supervisor.client.put("/api/v1/floor/settings", json={"hold_limit": 2}).raise_for_status()
    admin = type(leader_api)(live_server, "admin", "admin123")
    shift = admin.post("/duty/shifts", {"leader_id": leader_api.user_id, "hours": "00:00-24:00"})
    try:
        order = agent_api.post(
            "/workorders",
            {
                "values": {
                    "category": "complaint",
                    "location": "海淀区中关村大街",
                    "summary": "施工噪音扰民已持续一周",
                    "event_time": "每晚十一点以后",
                    "place": "中关村大街 27 号工地",
                    "course": "工地夜间施工, 多次反映无果",
                    "request": "要求停止夜间施工",
                    "reason_code": _complaint_reason(agent_api),
                }
            },
        )
        agent_api.post(f"/workorders/{order['id']}/submit")  # a complaint goes to the leader on duty

        board = new_page(viewport=WALLBOARD)
        sign_in(board, "leader", "leader123", "wallboard.html")
        board.get_by_role("tab", name="工单").click()
        card = board.locator(f"#inbox-list li[data-order='{order['id']}']")
        expect(card).to_contain_text("施工噪音扰民")
        expect(card.locator(".clock-chip").first).to_contain_text(":")
        screenshot(board, "wallboard-inbox")
        card.get_by_role("button", name="督办").click()  # 督办: the leader follows this order
        expect(card.get_by_role("button", name="督办中")).to_have_attribute("aria-pressed", "true")

        agent_api.post("/agents/me/login")
        agent_api.post("/agents/me/ready")
        call_id = leader_api.place_call("general", "13700137000")
        agent_api.post(f"/calls/{call_id}/answer")
        agent_api.post(f"/calls/{call_id}/hold")
        board.get_by_role("tab", name="告警").click()
        alert = board.locator("#alert-list li[data-kind='long_hold']").first
        expect(alert).to_contain_text("保持通话超过")
        expect(board.locator("#alerts-count")).not_to_have_text("0")
        screenshot(board, "wallboard-floor")
        alert.get_by_role("button", name="确认 保持超时").click()
        expect(board.locator("#alert-list li[data-kind='long_hold'][data-acked='0']")).to_have_count(0)
    finally:
        supervisor.client.put(
            "/api/v1/floor/settings",
            json={
                k: limits[k]
                for k in (
                    "ring_seconds",
                    "max_rings",
                    "hold_limit",
                    "absence_limit",
                    "scheduled_reasons",
                    "max_break_minutes",
                )
            },
        )
        supervisor.client.close()
        admin.client.delete(f"/api/v1/duty/shifts/{shift['id']}")
        admin.client.close()
