"""The admin console in Chromium, as an administrator uses it: people, skills and queues,
an IVR flow checked as it is typed (errors at their nodes, a diagram of the flow), a holiday
in the month view, a prompt uploaded and played, a department with its handlers, a night
shift in the duty roster; and an agent who is refused."""

from __future__ import annotations

import copy
import io
import json
import math
import re
import struct
import wave
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from helpline.adapters.tts import espeak_binary
from helpline.app.ivr.flows import DEMO_FLOW
from helpline.domain.acd.queue import ExitAction, Strategy
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.ivr.nodes import exits_of
from helpline.domain.people.accounts import ROLES

Api = Any  # the conftest's small httpx client, reached through the ``leader_api`` fixture


def containing(text: str) -> re.Pattern[str]:
    """For ``to_have_value`` / ``to_have_class``: matches when ``text`` is in it."""
    return re.compile(re.escape(text))


@pytest.fixture
def api_as(leader_api: Api, live_server: str) -> Iterator[Callable[[str, str], Api]]:
    """``api_as(username, password)``: the conftest's API client, signed in as someone else."""
    made: list[Api] = []

    def make(username: str, password: str) -> Api:
        made.append(type(leader_api)(live_server, username, password))
        return made[-1]

    yield make
    for api in made:
        api.client.close()


@pytest.fixture
def admin_api(api_as: Callable[[str, str], Api]) -> Api:
    """The demo administrator (``admin`` / ``admin123``, app/demo.py) through the API."""
    return api_as("admin", "admin123")


EXPECTED_REFUSAL = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


@pytest.fixture
def console_page(browser: Any, live_server: str) -> Iterator[Callable[[], Any]]:
    """Like the conftest's ``new_page``, but the console is *meant* to be refused by the server
    here (its validation errors are the point), so the browser's "Failed to load resource"
    lines for 4xx answers are not errors; anything else in the console still fails the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make() -> Any:
        context = browser.new_context(
            viewport={"width": 1600, "height": 900},
            base_url=live_server,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(f"{page.url}: console: {message.text}")
                if message.type == "error" and not EXPECTED_REFUSAL.search(message.text)
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


@pytest.fixture
def admin_page(console_page: Callable[[], Any]) -> Any:
    """A page signed in as the administrator through the sign-in page: it lands on the console."""
    from playwright.sync_api import expect

    page = console_page()
    page.goto("/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("admin123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/ui/admin.html**")
    expect(page.locator("body")).to_have_attribute("data-ready", "users")
    return page


def open_tab(page: Any, name: str, tab: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name=name).click()
    expect(page.locator("body")).to_have_attribute("data-ready", tab)
    expect(page.locator(f"#panel-{tab}")).not_to_have_attribute("data-loading", "1")


def test_an_admin_creates_a_queue_and_an_agent_with_skills(
    admin_page: Any, admin_api: Api, api_as: Callable[[str, str], Api], screenshot: Callable[[Any, str], None]
) -> None:
    from playwright.sync_api import expect

    page = admin_page
    open_tab(page, "队列与策略", "queues")
    form = page.locator("#queue-form")
    form.get_by_label("队列编号").fill("e2e_tax")
    form.get_by_label("名称").fill("税务咨询 Tax")
    form.get_by_label("分配策略").select_option("best_skill")
    form.get_by_label("所需技能").fill("tax=3")
    form.get_by_label("服务水平目标（0-1）").fill("1.5")  # refused by the server, shown at the field
    form.get_by_label("话后处理（秒）").fill("20")
    form.get_by_label("最长等待（秒）").fill("120")
    form.get_by_role("button", name="添加步骤").click()
    form.get_by_label("等待（秒）", exact=True).fill("60")
    form.get_by_label("去掉技能").fill("tax")
    form.get_by_role("button", name="创建队列").click()
    error = form.locator('[data-field="sl_target"] .field-error')
    expect(error).to_contain_text("1")
    expect(form.get_by_label("服务水平目标（0-1）")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("服务水平目标（0-1）").fill("0.9")
    form.get_by_role("button", name="创建队列").click()
    expect(page.locator('#queue-list [data-queue="e2e_tax"]')).to_contain_text("技能最高")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "admin-queues")
    expect(error).to_have_text("")
    queue = admin_api.get("/queues/e2e_tax")
    assert (queue["name"], queue["strategy"], queue["required_skills"]) == (
        "税务咨询 Tax",
        "best_skill",
        {"tax": 3},
    )
    assert (queue["sl_target"], queue["wrapup_seconds"], queue["max_wait"]) == (0.9, 20, 120)
    assert queue["overflow"][0]["after"] == 60 and queue["overflow"][0]["drop_skills"] == ["tax"]

    open_tab(page, "用户与技能", "users")
    user_form = page.locator("#user-form")
    user_form.get_by_label("用户名").fill("e2e_wang")
    user_form.get_by_label("姓名").fill("王芳")
    user_form.get_by_label("角色").select_option("agent")
    user_form.get_by_label("密码").fill("short")
    user_form.get_by_role("button", name="创建用户").click()
    expect(user_form.locator('[data-field="password"] .field-error')).to_contain_text("8")
    user_form.get_by_label("密码").fill("wang-secret-1")
    user_form.get_by_role("button", name="创建用户").click()
    expect(page.locator("#user-legend")).to_have_text("编辑用户 e2e_wang")
    agent_form = page.locator("#agent-form")
    agent_form.get_by_label("分机号").fill("8101")
    agent_form.get_by_label("技能").fill("zh=7, tax=5")
    agent_form.get_by_label("队列").fill("e2e_tax=0, general=2")
    agent_form.get_by_role("button", name="保存").click()
    expect(page.locator('#user-list [data-user="e2e_wang"]')).to_contain_text("tax=5")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "admin-users")

    user = next(u for u in admin_api.get("/users") if u["username"] == "e2e_wang")
    assert (user["display_name"], user["role"], user["is_active"]) == ("王芳", "agent", True)
    agent = admin_api.get(f"/agents/{user['id']}")
    assert agent["extension"] == "8101"
    assert agent["skills"] == {"zh": 7, "tax": 5}
    assert agent["queues"] == {"e2e_tax": 0, "general": 2}
    assert api_as("e2e_wang", "wang-secret-1").get("/agents/me")["extension"] == "8101"  # she can sign in

    # her desk phone: the SIP account (user name = extension when left empty)
    sip_form = page.locator("#sip-form")
    sip_form.get_by_label("SIP 密码").fill("phone-8101")
    sip_form.get_by_role("button", name="保存").click()
    expect(sip_form.locator("#sip-state")).to_have_text("话机未注册")
    assert admin_api.get(f"/agents/{user['id']}/sip")["username"] == "8101"

    # a new password, then she leaves: deactivated, she can no longer sign in
    user_form.get_by_label("密码").fill("wang-secret-2")
    user_form.get_by_role("button", name="重置密码").click()
    expect(page.locator("#toast")).to_have_text("密码已重置")
    assert api_as("e2e_wang", "wang-secret-2").get("/agents/me")["extension"] == "8101"
    user_form.get_by_label("启用").uncheck()
    user_form.get_by_role("button", name="保存").click()
    expect(page.locator('#user-list [data-user="e2e_wang"]')).to_have_class("inactive")
    refused = admin_api.client.post(
        "/api/v1/auth/token", data={"username": "e2e_wang", "password": "wang-secret-2"}
    )
    assert refused.status_code == 401

    # the console in English: the same screen, every label translated
    page.locator("#lang").select_option("en")
    expect(page.get_by_role("tab", name="Queues and strategies")).to_be_visible()
    expect(page.locator("#agent-form legend")).to_have_text("Agent profile")


def test_the_selects_offer_the_domain_values_named_in_the_ui_language(admin_page: Any) -> None:
    """The lists come from GET /api/v1/meta: the domain's values, in its order, with names that
    follow the language switch."""
    from playwright.sync_api import expect

    page = admin_page
    values = "options => options.map((o) => o.value)"
    roles = page.locator("#user-form").get_by_label("角色").locator("option")
    assert roles.evaluate_all(values) == list(ROLES)
    expect(page.locator("#user-role")).to_have_text("管理员")
    open_tab(page, "队列与策略", "queues")
    form = page.locator("#queue-form")
    strategies = form.locator("select[name=strategy]")  # found again after the labels change
    assert strategies.locator("option").evaluate_all(values) == [s.value for s in Strategy]
    exits = form.get_by_label("超时处理").locator("option")
    assert exits.evaluate_all(values) == [e.value for e in ExitAction]
    expect(strategies.locator('option[value="ring_all"]')).to_have_text("同时振铃")
    page.locator("#lang").select_option("en")
    expect(strategies.locator('option[value="ring_all"]')).to_have_text("Ring all")
    expect(page.locator("#user-role")).to_have_text("administrator")


def _flow_counts(definition: dict[str, Any]) -> tuple[int, int]:
    nodes = definition["nodes"]
    return len(nodes), sum(len(exits_of(node)) for node in nodes.values())


def test_an_ivr_flow_is_checked_at_its_nodes_drawn_and_saved(
    admin_page: Any, admin_api: Api, screenshot: Callable[[Any, str], None]
) -> None:
    from playwright.sync_api import expect

    page = admin_page
    page.set_viewport_size({"width": 1600, "height": 1240})
    open_tab(page, "IVR 流程", "ivr")
    form = page.locator("#ivr-form")
    expect(form.get_by_label("流程定义（JSON）")).to_have_value(containing("welcome"))
    broken = copy.deepcopy(DEMO_FLOW)
    broken["nodes"]["menu"]["options"]["4"] = "holiday_notice"  # a node nobody wrote yet
    broken["nodes"]["goodbye"] = {"type": "hangup"}  # a node nothing leads to
    form.get_by_label("流程编号").fill("e2e_menu")
    form.get_by_label("名称").fill("节日菜单")
    form.get_by_label("流程定义（JSON）").fill(json.dumps(broken, ensure_ascii=False, indent=2))

    svg = page.locator("#ivr-svg")
    expect(svg.locator('[data-node="goodbye"]')).to_have_class(containing("has-error"))
    expect(svg.locator('.ivr-node[data-node="menu"]')).to_have_class(containing("has-error"))
    expect(svg.locator('.ivr-missing[data-node="holiday_notice"]')).to_be_visible()
    problems = page.locator("#ivr-problems")
    expect(problems.locator('[data-node="goodbye"]')).to_contain_text("dangling node")
    expect(problems.locator('[data-node="menu"]')).to_contain_text("holiday_notice")
    expect(page.locator("#ivr-status")).to_have_text("发现 2 个问题")
    screenshot(page, "admin-ivr")

    # saving a broken flow is refused, and nothing is kept
    form.get_by_role("button", name="保存").click()
    expect(form.locator(".form-error")).to_contain_text("node")
    assert admin_api.client.get("/api/v1/ivr/flows/e2e_menu").status_code == 404

    fixed = copy.deepcopy(broken)
    fixed["nodes"]["menu"]["options"]["4"] = "goodbye"
    form.get_by_label("流程定义（JSON）").fill(json.dumps(fixed, ensure_ascii=False, indent=2))
    expect(page.locator("#ivr-status")).to_have_text("流程有效")
    expect(svg.locator(".has-error")).to_have_count(0)
    nodes, edges = _flow_counts(fixed)
    expect(svg.locator(".ivr-node")).to_have_count(nodes)
    expect(svg.locator(".ivr-edge")).to_have_count(edges)
    expect(svg.locator('.ivr-edge[data-from="menu"][data-to="goodbye"]')).to_have_attribute("data-label", "4")
    expect(svg.locator(".ivr-edge-label.dtmf")).to_have_count(len(fixed["nodes"]["menu"]["options"]))
    assert (nodes, edges) == (10, 10)  # 9 + the new node; 5 keys, no input, 4 single exits

    # the form adds a node and links it from a menu key; the diagram and the check follow
    add = form.locator("#ivr-add")
    add.get_by_label("节点编号").fill("operator")
    add.get_by_label("类型").select_option("transfer")
    add.get_by_label("从节点").select_option("menu")
    add.get_by_label("按键或出口").fill("0")
    add.get_by_role("button", name="添加", exact=True).click()
    expect(svg.locator('.ivr-node[data-node="operator"]')).to_have_class(containing("has-error"))  # no number
    expect(svg.locator('.ivr-edge[data-from="menu"][data-to="operator"]')).to_have_attribute(
        "data-label", "0"
    )
    definition = form.get_by_label("流程定义（JSON）")
    fixed["nodes"]["operator"] = {"type": "transfer", "number": "01012345678"}
    fixed["nodes"]["menu"]["options"]["0"] = "operator"
    definition.fill(json.dumps(fixed, ensure_ascii=False, indent=2))
    expect(page.locator("#ivr-status")).to_have_text("流程有效")
    expect(svg.locator(".ivr-node")).to_have_count(nodes + 1)
    expect(svg.locator(".ivr-edge")).to_have_count(edges + 1)
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#ivr-status")).to_have_text("流程 e2e_menu 已保存")
    saved = admin_api.get("/ivr/flows/e2e_menu")
    assert saved["name"] == "节日菜单"
    assert saved["definition"]["nodes"]["menu"]["options"]["4"] == "goodbye"
    assert saved["definition"]["nodes"]["operator"]["number"] == "01012345678"


@pytest.fixture
def keep_calendar(admin_api: Api) -> Iterator[None]:
    """The live server is shared: the center's calendar is put back as it was."""
    before = admin_api.get("/admin/calendar")
    yield
    response = admin_api.client.put("/api/v1/admin/calendar", json=before)
    assert response.status_code == 200, response.text


def test_a_holiday_is_added_and_shown_in_the_month(
    admin_page: Any, admin_api: Api, keep_calendar: None, screenshot: Callable[[Any, str], None]
) -> None:
    from playwright.sync_api import expect

    page = admin_page
    open_tab(page, "工作时间与节假日", "calendar")
    form = page.locator("#calendar-form")
    form.locator("#holidays-add").fill("2026-10-01")
    form.get_by_role("button", name="添加节假日").click()
    form.locator("#workdays-add").fill("2026-10-01")  # the same day as a make-up working day: refused
    form.get_by_role("button", name="添加调休上班日").click()
    form.get_by_role("button", name="保存").click()
    expect(form.locator('[data-field="workdays"] .field-error')).to_contain_text("2026-10-01")
    form.get_by_role("button", name="移除 2026-10-01").nth(1).click()
    form.locator("#workdays-add").fill("2026-10-10")
    form.get_by_role("button", name="添加调休上班日").click()
    form.get_by_role("button", name="保存").click()

    month = page.locator("#month-grid")
    expect(page.locator(".month")).to_have_attribute("data-month", "2026-10")
    day = month.locator('[data-date="2026-10-01"]')
    expect(day).to_have_attribute("data-kind", "holiday")
    expect(day).not_to_have_class(containing("pending"))
    expect(day.locator(".mark")).to_have_text("休")
    expect(month.locator('[data-date="2026-10-10"]')).to_have_attribute("data-kind", "workday")
    days = {d["date"]: d["kind"] for d in admin_api.get("/admin/calendar/month?month=2026-10")["days"]}
    assert days["2026-10-01"] == "holiday" and days["2026-10-10"] == "workday"
    screenshot(page, "admin-calendar")
    page.locator("#month-next").click()
    expect(page.locator(".month")).to_have_attribute("data-month", "2026-11")
    expect(month.locator('[data-kind="holiday"]')).to_have_count(0)


@pytest.fixture
def water_unit(admin_api: Api) -> Iterator[str]:
    """A handling unit for this test only (the live server is shared)."""
    response = admin_api.client.put("/api/v1/units/e2e_water", json={"name": "自来水公司"})
    assert response.status_code == 200, response.text
    yield "e2e_water"
    admin_api.client.delete("/api/v1/units/e2e_water")


def test_a_unit_gets_office_hours(admin_page: Any, admin_api: Api, water_unit: str) -> None:
    from playwright.sync_api import expect

    page = admin_page
    open_tab(page, "工作时间与节假日", "calendar")
    form = page.locator("#calendar-form")
    expect(form).to_have_attribute("data-loaded", "center")
    form.get_by_label("日历").select_option(water_unit)
    expect(form).to_have_attribute("data-loaded", water_unit)
    form.get_by_label("24 小时值守").uncheck()
    form.get_by_label("星期一").fill("08:30-12:00, 13:30-25:00")  # refused at Monday's field
    for day in ("星期二", "星期三", "星期四", "星期五"):
        form.get_by_label(day).fill("08:30-17:30")
    form.get_by_role("button", name="保存").click()
    expect(form.locator('[data-field="weekly.0"] .field-error')).to_contain_text("25:00")
    form.get_by_label("星期一").fill("08:30-12:00, 13:30-17:30")
    form.get_by_role("button", name="保存").click()
    expect(form.locator('[data-field="weekly.0"] .field-error')).to_have_text("")
    page.locator("#month-prev").click()
    page.locator("#month-next").click()
    month = page.locator("#month-grid")
    expect(month.locator(".day[data-kind='closed']").first).to_be_visible()  # weekends are closed now
    monday = month.locator(".day[data-date]").filter(has_text="08:30-12:00, 13:30-17:30").first
    expect(monday).to_have_attribute("data-kind", "open")
    unit = next(u for u in admin_api.get("/units") if u["id"] == water_unit)
    assert unit["calendar"]["weekly"] == {
        "0": "08:30-12:00, 13:30-17:30",
        **{str(d): "08:30-17:30" for d in range(1, 5)},
    }
    assert admin_api.get("/admin/calendar")["always"] is True  # the center's own is untouched


def _wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setparams((1, 2, rate, 0, "NONE", "not compressed"))
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def test_a_prompt_is_uploaded_listed_and_played(
    admin_page: Any, admin_api: Api, screenshot: Callable[[Any, str], None]
) -> None:
    from playwright.sync_api import expect

    page = admin_page
    open_tab(page, "语音提示", "prompts")
    upload = page.locator("#upload-form")
    upload.get_by_label("提示音编号").fill("e2e_greeting")
    upload.get_by_role("button", name="上传").click()  # no file chosen: the server says so at the field
    expect(upload.locator('[data-field="file"] .field-error')).not_to_have_text("")
    upload.get_by_label("WAV 文件").set_input_files(
        {"name": "greeting.wav", "mimeType": "audio/wav", "buffer": _wav()}
    )
    upload.get_by_role("button", name="上传").click()
    row = page.locator('#prompt-list [data-prompt="e2e_greeting"]')
    expect(row).to_have_attribute("data-source", "tenant")
    expect(row.locator("td.num")).to_have_text("1s")
    listed = {p["id"]: p for p in admin_api.get("/ivr/prompts")}
    assert listed["e2e_greeting"]["source"] == "tenant"
    row.get_by_role("button", name="播放 e2e_greeting").click()
    player = page.locator("#prompt-player")
    expect(player).to_have_attribute("data-prompt", "e2e_greeting")
    expect(player).to_have_attribute("src", containing("blob:"))
    duration = page.wait_for_function(
        "() => { const a = document.getElementById('prompt-player'); return a.duration > 0 && a.duration; }"
    ).json_value()
    assert 0.9 < duration < 1.1
    if espeak_binary() is not None:
        generate = page.locator("#generate-form")
        generate.get_by_label("提示音编号").fill("e2e_notice")
        generate.get_by_label("中文内容").fill("国庆期间热线照常服务。")
        generate.get_by_role("button", name="生成").click()
        expect(page.locator('#prompt-list [data-prompt="e2e_notice"]')).to_have_attribute(
            "data-source", "tenant"
        )
    screenshot(page, "admin-prompts")


def test_an_agent_is_refused_by_the_page_and_by_the_api(
    new_page: Callable[..., Any], sign_in: Callable[..., None], api_as: Callable[[str, str], Api]
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in(page, "agent1", "agent123", "agent.html")
    page.goto("/ui/admin.html")
    expect(page.get_by_role("heading", name="无权访问管理控制台")).to_be_visible()
    expect(page.locator("#admin-shell")).to_be_hidden()
    agent = api_as("agent1", "agent123")
    assert agent.client.get("/api/v1/users").status_code == 403
    assert agent.client.get("/api/v1/ivr/flows").status_code == 403
    assert agent.client.put("/api/v1/admin/calendar", json={"always": True}).status_code == 403
    assert agent.client.post("/api/v1/queues", json={"id": "x"}).status_code == 403


def test_a_leader_reads_queues_and_the_calendar_but_changes_nothing(console_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    page = console_page()
    page.goto("/ui/login.html?next=admin.html")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill("leader123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/ui/admin.html**")
    expect(page.locator("body")).to_have_attribute("data-ready", "queues")
    expect(page.get_by_role("tab", name="用户与技能")).to_be_hidden()
    expect(page.get_by_role("tab", name="IVR 流程")).to_be_hidden()
    expect(page.locator("#queue-list [data-queue='general']")).to_be_visible()
    expect(page.locator("#queue-form").get_by_label("队列编号")).to_be_disabled()
    expect(page.locator("#queue-form").get_by_role("button", name="创建队列")).to_be_disabled()
    open_tab(page, "工作时间与节假日", "calendar")
    expect(page.locator("#calendar-form").get_by_role("button", name="保存")).to_be_disabled()
    expect(page.locator("#month-grid .day[data-date]").first).to_be_visible()


@pytest.fixture
def keep_reasons(admin_api: Api) -> Iterator[list[str]]:
    """The live server is shared: the not-ready reasons are put back as they were."""
    before: list[str] = admin_api.get("/reasons")
    yield before
    response = admin_api.client.put("/api/v1/reasons", json={"reasons": before})
    assert response.status_code == 200, response.text


def test_reasons_and_a_custom_field_are_kept_and_removed(
    admin_page: Any, admin_api: Api, keep_reasons: list[str], screenshot: Callable[[Any, str], None]
) -> None:
    from playwright.sync_api import expect

    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    open_tab(page, "原因与字段", "codes")
    reasons = page.locator("#reasons-form").get_by_label("离席原因")
    expect(reasons).to_have_value(containing(keep_reasons[0]))
    reasons.fill("\n".join([*keep_reasons, "coaching"]))
    page.locator("#reasons-form").get_by_role("button", name="保存").click()
    expect(page.locator("#toast")).to_have_text("已保存")
    assert "coaching" in admin_api.get("/reasons")

    form = page.locator("#field-form")
    form.get_by_label("字段键").fill("e2e_district")
    form.get_by_label("显示名称").fill("所属街道")
    form.get_by_label("类型").select_option("choice")
    form.get_by_label("选项").fill("东城街道, 西城街道")
    form.get_by_label("最大长度").fill("0")  # refused by the server, beside the field
    form.get_by_role("button", name="保存").click()
    expect(form.locator('[data-field="max_length"] .field-error')).not_to_have_text("")
    form.get_by_label("最大长度").fill("20")
    form.get_by_role("button", name="保存").click()
    row = page.locator('#field-list [data-key="e2e_district"]')
    expect(row).to_contain_text("单选")
    saved = next(f for f in admin_api.get("/workorder-fields") if f["key"] == "e2e_district")
    assert (saved["label"], saved["type"], saved["options"]) == (
        "所属街道",
        "choice",
        ["东城街道", "西城街道"],
    )
    screenshot(page, "admin-codes")
    form.get_by_role("button", name="删除").click()
    expect(row).to_have_count(0)
    assert all(f["key"] != "e2e_district" for f in admin_api.get("/workorder-fields"))


def test_a_supervisor_keeps_queues_and_reads_the_people(console_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    page = console_page()
    page.goto("/")
    page.get_by_label("用户名").fill("supervisor")
    page.get_by_label("密码").fill("super123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/ui/wallboard.html")  # supervisors land on the wallboard
    page.goto("/ui/admin.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "users")
    expect(page.locator('#user-list [data-user="agent1"]')).to_be_visible()
    expect(page.locator("#user-form").get_by_role("button", name="创建用户")).to_be_disabled()
    expect(page.get_by_role("tab", name="IVR 流程")).to_be_hidden()
    expect(page.get_by_role("tab", name="语音提示")).to_be_hidden()
    open_tab(page, "队列与策略", "queues")
    expect(page.locator("#queue-form").get_by_role("button", name="创建队列")).to_be_enabled()
    expect(page.locator("#queue-form").get_by_role("button", name="删除")).to_be_disabled()  # admins delete


@pytest.fixture
def gas_unit(admin_api: Api) -> Iterator[str]:
    """The unit the test creates through the console; removed afterwards if still there."""
    yield "e2e_gas"
    admin_api.client.delete("/api/v1/units/e2e_gas")


def test_an_admin_creates_a_department_with_a_head_handlers_and_a_deadline(
    admin_page: Any, admin_api: Api, gas_unit: str, screenshot: Callable[[Any, str], None]
) -> None:
    from playwright.sync_api import expect

    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    people = {u["username"]: u["id"] for u in admin_api.get("/users")}
    open_tab(page, "承办单位", "units")
    form = page.locator("#unit-form")
    form.get_by_role("button", name="创建单位").click()  # no code: refused at the field
    expect(form.locator('[data-field="id"] .field-error')).to_have_text("请填写单位编号")
    form.get_by_label("单位编号").fill(gas_unit)
    form.get_by_label("单位名称").fill("燃气公司")
    form.get_by_label("负责人").select_option(people["supervisor"])
    form.get_by_label("办理时限（小时）").fill("-4")  # refused by the server, beside the field
    form.get_by_label("张伟").check()
    form.get_by_label("王芳").check()
    form.get_by_role("button", name="创建单位").click()
    expect(form.locator('[data-field="deadline_hours"] .field-error')).not_to_have_text("")
    form.get_by_label("办理时限（小时）").fill("48")
    form.get_by_role("button", name="创建单位").click()
    row = page.locator(f'#unit-list [data-unit="{gas_unit}"]')
    expect(row).to_contain_text("燃气公司")
    expect(row).to_contain_text("主管 周敏")
    expect(row).to_contain_text("张伟、王芳")
    expect(page.locator("#unit-legend")).to_have_text(f"编辑承办单位 {gas_unit}")
    expect(form.locator('[data-field="deadline_hours"] .field-error')).to_have_text("")
    unit = next(u for u in admin_api.get("/units") if u["id"] == gas_unit)
    assert (unit["name"], unit["head_user_id"], unit["deadline_hours"]) == (
        "燃气公司",
        people["supervisor"],
        48,
    )
    assert sorted(unit["members"]) == sorted([people["agent1"], people["agent2"]])
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "admin-units")

    # its business hours: the calendar tab's editor, on this unit's calendar
    form.get_by_role("button", name="设置工作时间与节假日…").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "calendar")
    expect(page.locator("#calendar-form")).to_have_attribute("data-loaded", gas_unit)
    expect(page.locator("#calendar-form").get_by_label("日历")).to_have_value(gas_unit)

    open_tab(page, "承办单位", "units")
    row.get_by_role("button", name=gas_unit).click()
    form.get_by_label("王芳").uncheck()
    form.get_by_role("button", name="保存").click()
    expect(row).not_to_contain_text("王芳")
    assert next(u for u in admin_api.get("/units") if u["id"] == gas_unit)["members"] == [people["agent1"]]
    form.get_by_role("button", name="删除").click()
    expect(row).to_have_count(0)
    assert all(u["id"] != gas_unit for u in admin_api.get("/units"))


def _center_now() -> datetime:
    return datetime.now(CHINA_TZ)


def _night(moment: datetime) -> bool:
    """Whether a 20:00-08:00 shift runs at ``moment`` (center time)."""
    return moment.hour >= 20 or moment.hour < 8


@pytest.fixture
def night_leader(admin_api: Api) -> Iterator[dict[str, Any]]:
    """A shift leader of our own; their shifts are removed afterwards (the server is shared)."""
    response = admin_api.client.post(
        "/api/v1/users",
        json={
            "username": "e2e_night",
            "password": "night-secret-1",
            "role": "leader",
            "display_name": "夜班 李强",
        },
    )
    assert response.status_code in (201, 409), response.text
    user = next(u for u in admin_api.get("/users") if u["username"] == "e2e_night")
    yield user
    for shift in admin_api.get("/duty/shifts"):
        if shift["leader_id"] == user["id"]:
            admin_api.client.delete(f"/api/v1/duty/shifts/{shift['id']}")


def test_a_night_shift_across_midnight_is_in_the_week_and_on_duty_when_it_runs(
    admin_page: Any, admin_api: Api, night_leader: dict[str, Any], screenshot: Callable[[Any, str], None]
) -> None:
    from playwright.sync_api import expect

    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    leader_id = night_leader["id"]
    open_tab(page, "值班表", "duty")
    form = page.locator("#shift-form")
    form.get_by_label("值班长").select_option(leader_id)
    form.get_by_label("时段").fill("20:00-25:00")  # refused by the server, beside the field
    form.get_by_role("button", name="添加班次").click()
    expect(form.locator('[data-field="hours"] .field-error')).not_to_have_text("")
    before = _center_now()
    form.get_by_label("时段").fill("20:00-08:00")  # every day: no weekday ticked
    form.get_by_role("button", name="添加班次").click()
    row = page.locator(f'#shift-list tr[data-leader="{leader_id}"]')
    expect(row).to_contain_text("夜班 李强")
    expect(row).to_contain_text("每天")
    expect(form.locator('[data-field="hours"] .field-error')).to_have_text("")
    shifts = [s for s in admin_api.get("/duty/shifts") if s["leader_id"] == leader_id]
    assert [(s["hours"], s["day"], s["leader_name"]) for s in shifts] == [("20:00-08:00", None, "夜班 李强")]

    # the week: each day has the evening piece and the morning piece of the night before
    today = page.locator(f'.duty-day[data-date="{before.date().isoformat()}"]')
    mine = today.locator(f'.duty-shift[data-leader="{leader_id}"]')
    expect(mine).to_have_count(2)
    expect(today.locator(f'.duty-shift[data-leader="{leader_id}"][data-from="20:00"]')).to_have_attribute(
        "data-to", "24:00"
    )
    expect(today.locator(f'.duty-shift[data-leader="{leader_id}"][data-from="00:00"]')).to_have_attribute(
        "data-to", "08:00"
    )
    expect(page.locator(f'.duty-shift[data-leader="{leader_id}"]')).to_have_count(14)

    # on duty now: as the clock says (checked before and after, in case 08:00 or 20:00 falls between)
    on_duty = page.locator("#duty-now-names")
    expect(on_duty).not_to_have_attribute("data-leaders", "")  # the demo leader is on duty around the clock
    leaders = on_duty.get_attribute("data-leaders") or ""
    after = _center_now()
    if _night(before) == _night(after):
        assert (leader_id in leaders.split()) is _night(before), (leaders, before)
        assert (leader_id in admin_api.get("/duty/now")["leaders"]) is _night(before)
        if _night(before):
            expect(on_duty).to_contain_text("夜班 李强")
        else:
            expect(on_duty).not_to_contain_text("夜班 李强")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "admin-duty")

    row.get_by_role("button", name="删除 夜班 李强 20:00-08:00 的班次").click()
    expect(row).to_have_count(0)
    assert all(s["leader_id"] != leader_id for s in admin_api.get("/duty/shifts"))


def test_a_leader_reads_the_roster_but_changes_nothing(
    console_page: Callable[[], Any], admin_api: Api, night_leader: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    admin_api.post(
        "/duty/shifts", {"leader_id": night_leader["id"], "hours": "08:00-20:00", "weekdays": [0, 2]}
    )
    page = console_page()
    page.goto("/ui/login.html?next=admin.html")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill("leader123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/ui/admin.html**")
    expect(page.get_by_role("tab", name="承办单位")).to_be_hidden()  # supervisors keep departments
    open_tab(page, "值班表", "duty")
    row = page.locator(f'#shift-list tr[data-leader="{night_leader["id"]}"]')
    expect(row).to_contain_text("夜班 李强")
    expect(row).to_contain_text("一 三")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(page.locator("#shift-form").get_by_role("button", name="添加班次")).to_be_disabled()
    expect(page.locator("#shift-form").get_by_label("时段")).to_be_disabled()
    expect(page.locator(f'.duty-shift[data-leader="{night_leader["id"]}"]')).to_have_count(2)
    expect(page.locator("#duty-now-names .on-duty").first).to_be_visible()
