"""The leader's wallboard in a real browser: force actions reach the agent's desktop, the
supervision buttons follow the call, and the board speaks English when asked."""

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
WALLBOARD = {"width": 1920, "height": 1080}


def test_leader_forces_an_agent_not_ready_ready_and_out(
    new_page: Callable[..., Any], sign_in: SignIn, screenshot: Shot
) -> None:
    agent = new_page()
    sign_in(agent, "agent2", "agent123", "agent.html")
    agent.keyboard.press("Alt+R")
    expect(agent.locator("#state-label")).to_have_text("就绪")
    board = new_page(viewport=WALLBOARD)
    sign_in(board, "leader", "leader123", "wallboard.html")
    row = board.locator('#agent-rows tr[data-ext="8002"]')
    expect(row.locator(".state-chip")).to_have_text("就绪")

    row.get_by_role("button", name="强制离席 王芳").click()
    expect(agent.locator("#state-label")).to_have_text("离席", timeout=1000)
    expect(agent.locator("#state-reason")).to_have_text("班长强制", timeout=1000)
    expect(agent.locator("#toast")).to_have_text("班长已将您设为离席")
    expect(row.locator(".state-chip")).to_have_text("离席", timeout=1000)
    expect(row.locator(".reason")).to_have_text("班长强制")

    row.get_by_role("button", name="强制就绪 王芳").click()
    expect(agent.locator("#state-label")).to_have_text("就绪", timeout=1000)
    expect(row.locator(".state-chip")).to_have_text("就绪", timeout=1000)

    row.get_by_role("button", name="强制签出 王芳").click()
    dialog = board.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("王芳")
    dialog.get_by_role("button", name="确定").click()
    expect(agent.locator("#state-label")).to_have_text("已签出", timeout=1000)
    expect(agent.get_by_role("button", name="签入")).to_be_visible()
    expect(row.locator(".state-chip")).to_have_text("已签出", timeout=1000)


def test_leader_listens_to_a_call_and_hangs_it_up(
    new_page: Callable[..., Any], sign_in: SignIn, screenshot: Shot, leader_api: Any
) -> None:
    agent = new_page()
    sign_in(agent, "agent3", "agent123", "agent.html")
    agent.keyboard.press("Alt+R")
    expect(agent.locator("#state-label")).to_have_text("就绪")
    board = new_page(viewport=WALLBOARD)
    sign_in(board, "leader", "leader123", "wallboard.html")
    row = board.locator('#agent-rows tr[data-ext="8003"]')
    listen = row.get_by_role("button", name="监听 李娜")
    expect(listen).to_be_disabled()

    leader_api.place_call("complaints", "13500135000")
    expect(agent.locator("#ring-number")).to_have_text("13500135000")
    agent.keyboard.press("Alt+A")
    expect(row.locator(".state-chip")).to_have_text("通话", timeout=1000)
    expect(listen).to_be_enabled()
    listen.click()
    expect(listen).to_have_attribute("aria-pressed", "true", timeout=1000)
    expect(row.locator(".call")).to_contain_text("(监听)")
    screenshot(board, "wallboard-supervising")
    listen.click()  # pressed again: stop listening
    expect(listen).to_have_attribute("aria-pressed", "false", timeout=1000)

    row.get_by_role("button", name="强拆 李娜").click()
    board.locator("#confirm").get_by_role("button", name="确定").click()
    expect(agent.locator("#state-label")).to_have_text("话后处理", timeout=1000)
    expect(agent.locator("#history-body tr").first).to_contain_text("班长强拆")
    expect(row.locator(".state-chip")).to_have_text("话后处理", timeout=1000)


def test_a_queue_that_misses_its_answer_target_turns_red_in_english(
    new_page: Callable[..., Any], sign_in: SignIn, screenshot: Shot, leader_api: Any
) -> None:
    board = new_page(viewport=WALLBOARD, clock=True)  # the page's clock can be moved forward
    sign_in(board, "leader", "leader123", "wallboard.html")
    board.get_by_label("语言").select_option("en")
    expect(board.locator("#grid-heading")).to_have_text("Agents")
    expect(board.locator('#agent-rows tr[data-ext="8001"] .state-chip')).to_have_text("Logged out")
    leader_api.place_call("english", "+14155550100")
    english = board.locator('[data-queue="english"]')
    expect(english.locator(".q-waiting")).to_have_text("1", timeout=1000)
    expect(english.locator(".q-label").first).to_have_text("waiting")
    expect(board.locator("#waiting-rows tr").first).to_contain_text("Queued")
    # no agent is ready: a warning at once; past the 20-second target the card turns red
    expect(english).to_have_attribute("data-level", "warn")
    board.clock.fast_forward("00:21")
    expect(english).to_have_attribute("data-level", "missed")
    expect(english.locator(".q-oldest")).to_have_text(re.compile(r"^0:2\d$"))
    expect(board.locator("#waiting-rows tr").first).to_have_attribute("data-level", "missed")
    expect(board.locator('[data-queue="general"]')).to_have_attribute("data-level", "ok")
    screenshot(board, "wallboard-en")
