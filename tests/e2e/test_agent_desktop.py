"""The agent desktop in a real browser: sign in, states, a call from ringing to wrap-up,
the hold norm's colours, call control (transfer, consult, conference, dial-out), language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser e2e tests need the playwright package (pip install playwright)"
).expect

SignIn = Callable[[Any, str, str, str], None]
Shot = Callable[[Any, str], None]


def consult_leg(leader_api: Any) -> str:
    legs = [c["id"] for c in leader_api.get("/calls") if c["data"].get("consult_for")]
    assert len(legs) == 1, legs
    return legs[0]


def test_agent_signs_in_and_goes_ready(
    new_page: Callable[..., Any], sign_in: SignIn, screenshot: Shot
) -> None:
    page = new_page()
    page.goto("/")
    screenshot(page, "login")
    sign_in(page, "agent4", "agent123", "agent.html")
    # a password sign-in logs the agent in to the ACD: not ready until they choose ready
    expect(page.locator("#state-label")).to_have_text("离席")
    expect(page.locator("#state-reason")).to_have_text("刚签入")
    expect(page.locator("#agent-ext")).to_have_text("8004")
    page.get_by_role("button", name="就绪").click()
    expect(page.locator("#state-label")).to_have_text("就绪")
    expect(page.locator("#state-pill")).to_have_attribute("data-state", "ready")
    expect(page.locator("#idle-text")).to_have_text("就绪，等待来电…")
    # time in state runs
    expect(page.locator("#state-timer")).to_have_text("0:01", timeout=2500)
    screenshot(page, "agent-ready")
    # not ready with a reason, by keyboard
    page.get_by_label("离席原因").select_option("meal")
    page.keyboard.press("Alt+N")
    expect(page.locator("#state-label")).to_have_text("离席")
    expect(page.locator("#state-reason")).to_have_text("用餐")


def test_call_rings_is_answered_held_and_wrapped_up_while_the_wallboard_follows(
    new_page: Callable[..., Any], sign_in: SignIn, screenshot: Shot, leader_api: Any
) -> None:
    board = new_page(viewport={"width": 1920, "height": 1080})
    sign_in(board, "leader", "leader123", "wallboard.html")
    agent = new_page()
    sign_in(agent, "agent1", "agent123", "agent.html")
    row = board.locator('#agent-rows tr[data-ext="8001"]')
    general = board.locator('[data-queue="general"]')
    expect(row.locator(".state-chip")).to_have_text("离席", timeout=1000)
    # today's count goes up by this call (other tests' calls of the day may be in it already)
    calls_before = int(agent.locator("#today-calls").inner_text())
    expect(row.locator(".calls")).to_have_text(str(calls_before))

    leader_api.post(
        "/customers",
        {
            "name": "陈建国",
            "phones": ["13800138000"],
            "vip_level": 2,
            "address": "朝阳区建国路 88 号",
            "tags": ["老客户"],
        },
    )

    # nobody is ready: the caller waits, and the wallboard shows it at once
    leader_api.place_call("general", "13800138000")
    expect(general.locator(".q-waiting")).to_have_text("1", timeout=1000)
    expect(board.locator("#waiting-rows tr").first).to_contain_text("13800138000", timeout=1000)
    expect(general.locator(".q-oldest")).to_have_text("0:01", timeout=2500)
    screenshot(board, "wallboard-waiting")

    # the agent readies (keyboard): the call rings on the desktop with the caller's number
    agent.keyboard.press("Alt+R")
    expect(agent.locator("#view-ringing")).to_be_visible(timeout=1000)
    expect(agent.locator("#ring-number")).to_have_text("13800138000", timeout=1000)
    # the screen pop, before answering: the customer the number belongs to
    expect(agent.locator("#ring-customer")).to_have_text("陈建国 · VIP 2")
    expect(agent.locator("#pop-customer")).to_contain_text("陈建国")
    expect(agent.locator("#pop-customer")).to_contain_text("VIP 2")
    expect(agent.locator("#pop-customer")).to_contain_text("朝阳区建国路 88 号")
    expect(agent.locator("#pop-caller")).to_have_text("138 0013 8000")
    expect(agent.locator("#pop-queue")).to_have_text("综合咨询 General")
    expect(agent.locator("#state-pill")).to_have_attribute("data-state", "reserved")
    expect(row.locator(".state-chip")).to_have_text("振铃", timeout=1000)
    expect(general.locator(".q-waiting")).to_have_text("0", timeout=1000)
    screenshot(agent, "agent-ringing")

    agent.keyboard.press("Alt+A")
    expect(agent.locator("#state-label")).to_have_text("通话")
    expect(agent.locator("#active-number")).to_have_text("13800138000")
    expect(row.locator(".state-chip")).to_have_text("通话", timeout=1000)
    expect(row.locator(".call")).to_contain_text("13800138000", timeout=1000)

    # hold: the hold timer appears and counts, on the desktop and on the wallboard
    agent.keyboard.press("Alt+H")
    expect(agent.locator("#state-label")).to_have_text("保持")
    expect(agent.locator("#hold-box")).to_have_attribute("data-level", "ok")
    expect(agent.locator("#hold-timer")).to_have_text(re.compile(r"^0:0[01]$"))
    expect(agent.locator("#hold-timer")).to_have_text("0:01", timeout=2500)
    expect(agent.get_by_role("button", name="接回")).to_be_visible()
    expect(row.locator(".state-chip")).to_have_text("保持", timeout=1000)
    expect(row.locator(".hold")).to_have_text(re.compile(r"^0:0\d$"), timeout=1000)
    screenshot(agent, "agent-hold")
    screenshot(board, "wallboard-hold")

    agent.keyboard.press("Alt+H")
    expect(agent.locator("#state-label")).to_have_text("通话")
    expect(agent.locator("#hold-timer")).to_have_text("—")
    expect(row.locator(".hold")).to_have_text("", timeout=1000)

    # hang up: after-call work counts down from the queue's 30 s
    agent.keyboard.press("Alt+X")
    expect(agent.locator("#view-wrapup")).to_be_visible()
    expect(agent.locator("#state-label")).to_have_text("话后处理")
    expect(agent.locator("#wrap-countdown")).to_have_text(re.compile(r"^0:(30|29)$"))
    expect(agent.locator("#wrap-countdown")).to_have_text(re.compile(r"^0:2[0-8]$"), timeout=2500)
    expect(agent.locator("#today-calls")).to_have_text(str(calls_before + 1))
    expect(agent.locator("#history-body tr").first).to_contain_text("13800138000")
    expect(row.locator(".state-chip")).to_have_text("话后处理", timeout=1000)
    expect(row.locator(".calls")).to_have_text(str(calls_before + 1), timeout=1000)
    screenshot(agent, "agent-wrapup")

    agent.keyboard.press("Alt+W")
    expect(agent.locator("#state-label")).to_have_text("就绪")
    expect(row.locator(".state-chip")).to_have_text("就绪", timeout=1000)


def test_hold_timer_turns_amber_at_20_seconds_and_red_at_30(
    new_page: Callable[..., Any], sign_in: SignIn, screenshot: Shot, leader_api: Any
) -> None:
    page = new_page(clock=True)  # the page's clock can be moved forward
    sign_in(page, "agent3", "agent123", "agent.html")
    page.get_by_role("button", name="就绪").click()
    expect(page.locator("#state-label")).to_have_text("就绪")
    leader_api.place_call("general", "13700137000")
    page.get_by_role("button", name="接听").click()
    page.get_by_role("button", name="保持").click()
    hold = page.locator("#hold-box")
    expect(hold).to_have_attribute("data-level", "ok")
    page.clock.fast_forward("00:21")
    expect(hold).to_have_attribute("data-level", "warn")
    expect(page.locator("#hold-timer")).to_have_text(re.compile(r"^0:2\d$"))
    page.clock.fast_forward("00:10")
    expect(hold).to_have_attribute("data-level", "over")
    expect(page.locator("#state-pill")).to_have_attribute("data-hold", "over")
    expect(page.locator("#hold-norm")).to_have_text("已超过 30 秒：请向客户致歉或提出回电")
    screenshot(page, "agent-hold-over")
    page.get_by_role("button", name="接回").click()
    expect(hold).to_have_attribute("data-level", "idle")


def test_blind_transfer_consult_conference_and_dial_out(
    new_page: Callable[..., Any], sign_in: SignIn, leader_api: Any
) -> None:
    first = new_page()
    sign_in(first, "agent1", "agent123", "agent.html")
    second = new_page()
    sign_in(second, "agent3", "agent123", "agent.html")
    first.keyboard.press("Alt+R")
    expect(first.locator("#state-label")).to_have_text("就绪")

    # a VIP caller reaches the first agent, who transfers blind to the general queue
    leader_api.place_call("vip", "13600136000")
    expect(first.locator("#ring-number")).to_have_text("13600136000")
    first.keyboard.press("Alt+A")
    expect(first.locator("#state-label")).to_have_text("通话")
    first.get_by_label("对象类型").select_option("queue")
    first.locator("#target-queue").select_option("general")
    first.keyboard.press("Alt+T")
    expect(first.locator("#state-label")).to_have_text("话后处理")
    expect(first.locator("#history-body tr").first).to_contain_text("已转接")

    # the second agent readies and gets the same caller
    second.keyboard.press("Alt+R")
    expect(second.locator("#ring-number")).to_have_text("13600136000")
    second.keyboard.press("Alt+A")
    expect(second.locator("#state-label")).to_have_text("通话")

    # consult an outside number (the caller holds), the far end answers, three-way call
    second.get_by_label("对象类型").select_option("number")
    second.locator("#target-number").fill("95588")
    second.keyboard.press("Alt+C")
    expect(second.locator("#state-label")).to_have_text("咨询")
    expect(second.locator("#consult-status")).to_have_text("正在呼叫 95588…")
    expect(second.locator("#hold-box")).to_have_attribute("data-level", "ok")
    leader_api.post(f"/sim/calls/{consult_leg(leader_api)}/answered")
    expect(second.locator("#consult-status")).to_contain_text("95588 已接通")
    second.keyboard.press("Alt+M")
    expect(second.locator("#state-label")).to_have_text("三方通话")
    expect(second.locator("#hold-timer")).to_have_text("—")
    second.keyboard.press("Alt+X")
    expect(second.locator("#state-label")).to_have_text("话后处理")

    # the first agent ends wrap-up and dials out; the far end answers
    first.keyboard.press("Alt+W")
    expect(first.locator("#state-label")).to_have_text("就绪")
    first.keyboard.press("Alt+O")
    expect(first.locator("#dial-number")).to_be_focused()
    first.keyboard.type("01012345678")
    first.keyboard.press("Enter")
    expect(first.locator("#view-dialing")).to_be_visible()
    expect(first.locator("#dialing-number")).to_have_text("01012345678")
    outbound = [c["id"] for c in leader_api.get("/calls") if c["direction"] == "outbound"]
    leader_api.post(f"/sim/calls/{outbound[0]}/answered")
    expect(first.locator("#state-label")).to_have_text("通话")
    expect(first.locator("#active-label")).to_have_text("外拨通话")
    expect(first.locator("#active-number")).to_have_text("01012345678")
    first.keyboard.press("Alt+X")
    expect(first.locator("#history-body tr").first).to_contain_text("01012345678")


def test_language_switches_to_english_and_is_remembered(
    new_page: Callable[..., Any], sign_in: SignIn, screenshot: Shot
) -> None:
    page = new_page()
    sign_in(page, "agent2", "agent123", "agent.html")
    expect(page.locator("#state-label")).to_have_text("离席")
    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#state-label")).to_have_text("Not ready")
    expect(page.locator("#state-reason")).to_have_text("Just logged in")
    expect(page.get_by_role("button", name="Ready", exact=True)).to_be_visible()
    expect(page.locator("#pop-heading")).to_have_text("Screen pop")
    page.reload()
    expect(page.locator("#state-label")).to_have_text("Not ready")
    page.get_by_role("button", name="Ready", exact=True).click()
    expect(page.locator("#state-label")).to_have_text("Ready")
    expect(page.locator("#idle-text")).to_have_text("Ready, waiting for a call…")
    screenshot(page, "agent-ready-en")


def test_desktop_resumes_after_the_connection_drops_without_missing_a_call(
    new_page: Callable[..., Any], sign_in: SignIn, leader_api: Any
) -> None:
    page = new_page()
    sockets: list[Any] = []

    def through(ws: Any) -> None:
        sockets.append(ws)
        if len(sockets) == 2:
            # the caller dials in while the desktop is disconnected
            leader_api.place_call("english", "13900139000")
        ws.connect_to_server()

    page.route_web_socket(re.compile(r"/api/v1/events"), through)
    sign_in(page, "agent4", "agent123", "agent.html")
    page.get_by_role("button", name="就绪").click()
    expect(page.locator("#state-label")).to_have_text("就绪")
    sockets[0].close()  # the network drops
    expect(page.locator("#ring-number")).to_have_text("13900139000")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    assert "since=" not in sockets[0].url
    assert "since=" in sockets[1].url  # resumed from the last event seen, not a new snapshot
