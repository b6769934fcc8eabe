"""Colleagues on the agent desktop, in a real browser with the virtual switch: an agent (not a
leader) picks a colleague by name and presence, consults them, and completes the transfer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser e2e tests need the playwright package (pip install playwright)"
).expect

SignIn = Callable[[Any, str, str, str], None]


def test_agent_sees_a_colleagues_presence_consults_them_and_transfers(
    new_page: Callable[..., Any], sign_in: SignIn, leader_api: Any
) -> None:
    first = new_page()
    sign_in(first, "agent1", "agent123", "agent.html")
    colleague = first.locator("#target-agent option[data-presence]").filter(has_text="8003")
    # the colleague has not signed in: listed, but cannot be picked
    expect(colleague).to_contain_text("未签入")
    expect(colleague).to_be_disabled()
    expect(first.locator("#target-agent option[data-presence]").filter(has_text="8001")).to_have_count(0)

    second = new_page()
    sign_in(second, "agent3", "agent123", "agent.html")  # signs in not ready
    expect(colleague).to_contain_text("离开")
    expect(colleague).to_be_enabled()

    # a caller reaches the first agent
    first.keyboard.press("Alt+R")
    expect(first.locator("#state-label")).to_have_text("就绪")
    leader_api.place_call("vip", "13700137000")
    expect(first.locator("#ring-number")).to_have_text("13700137000")
    first.keyboard.press("Alt+A")
    expect(first.locator("#state-label")).to_have_text("通话")

    # the colleague goes ready: the first agent's picker shows it within a few seconds
    second.keyboard.press("Alt+R")
    expect(second.locator("#state-label")).to_have_text("就绪")
    expect(colleague).to_contain_text("空闲")

    # consult the colleague by the picker; their desktop rings as an internal call
    first.get_by_label("对象类型").select_option("agent")
    first.locator("#target-agent").select_option(label=colleague.inner_text())
    first.keyboard.press("Alt+C")
    expect(first.locator("#state-label")).to_have_text("咨询")
    expect(second.locator("#view-ringing")).to_be_visible()
    expect(second.locator("#ring-title")).to_have_text("内部咨询来电")
    expect(colleague).to_contain_text("通话中")
    second.keyboard.press("Alt+A")
    expect(second.locator("#active-label")).to_have_text("内部通话")
    expect(first.locator("#consult-status")).to_contain_text("已接通")

    # complete the transfer: the colleague has the caller, the first agent wraps up
    first.keyboard.press("Alt+T")
    expect(first.locator("#state-label")).to_have_text("话后处理")
    expect(second.locator("#active-number")).to_have_text("13700137000")
    expect(second.locator("#active-label")).to_have_text("呼入通话")
    second.keyboard.press("Alt+X")
    expect(second.locator("#state-label")).to_have_text("话后处理")


def test_agent_calls_a_colleague_internally_by_picker_and_by_extension(
    new_page: Callable[..., Any], sign_in: SignIn, leader_api: Any
) -> None:
    first = new_page()
    sign_in(first, "agent1", "agent123", "agent.html")
    second = new_page()
    sign_in(second, "agent3", "agent123", "agent.html")
    second.keyboard.press("Alt+R")
    expect(second.locator("#state-label")).to_have_text("就绪")
    colleague = first.locator("#internal-agent option[data-presence]").filter(has_text="8003")
    expect(colleague).to_contain_text("空闲")

    # 内呼 with the picker and the keyboard (Alt+L): it rings at the colleague as an internal call
    first.locator("#internal-agent").select_option(label=colleague.inner_text())
    first.keyboard.press("Alt+L")
    expect(first.locator("#view-dialing")).to_be_visible()
    expect(first.locator("#dialing-label")).to_have_text("正在内呼")
    expect(first.locator("#dialing-number")).to_contain_text("8003")
    expect(second.locator("#view-ringing")).to_be_visible()
    expect(second.locator("#ring-title")).to_have_text("同事内呼")
    expect(second.locator("#ring-number")).to_have_text("8001")
    [call] = [c for c in leader_api.get("/calls") if c["direction"] == "internal"]
    assert call["callee"] == "8003" and call["queue_id"] is None

    second.keyboard.press("Alt+A")
    expect(second.locator("#active-label")).to_have_text("内部通话")
    expect(first.locator("#state-label")).to_have_text("通话")
    expect(first.locator("#active-label")).to_have_text("内部通话")
    expect(first.locator("#active-number")).to_have_text("8003")
    first.keyboard.press("Alt+X")  # either side hangs up: both are free
    expect(first.locator("#view-active")).to_be_hidden()
    expect(second.locator("#view-active")).to_be_hidden()

    # typing the colleague's extension in the dial field is an internal call too
    for page in (first, second):
        if page.locator("#btn-end-wrap").is_visible():
            page.keyboard.press("Alt+W")
        expect(page.locator("#state-label")).to_have_text("就绪")
    first.keyboard.press("Alt+O")
    first.keyboard.type("8003")
    first.keyboard.press("Enter")
    expect(second.locator("#ring-title")).to_have_text("同事内呼")
    expect(first.locator("#view-dialing")).to_be_visible()
    second.keyboard.press("Alt+J")  # declined: the caller is free again
    expect(first.locator("#view-dialing")).to_be_hidden()
