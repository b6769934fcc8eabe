"""The work-order form on the agent desktop, in a real browser: it opens with the answered
call, refuses a send without the location (the message beside the field), accepts it
complete; the knowledge base answers an inquiry and cites the article; a draft survives a
reload and a network drop; the 15-minute clock turns amber and red; my work lists the order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser e2e tests need the playwright package (pip install playwright)"
).expect

SignIn = Callable[[Any, str, str, str], None]
Shot = Callable[[Any, str], None]
Api = Any  # the ``leader_api`` fixture's client (tests/e2e/conftest.py)

REASONS = [
    {"code": "water", "label": "供水"},
    {"code": "water.outage", "label": "停水", "parent": "water"},
    {"code": "water.quality", "label": "水质", "parent": "water"},
    {"code": "light", "label": "市政照明"},
    {"code": "light.broken", "label": "路灯不亮", "parent": "light"},
]
DISTRICT = {  # a custom field of the tenant, required for complaints
    "label": "所属区",
    "type": "choice",
    "options": ["东城区", "西城区", "朝阳区", "海淀区"],
    "required_for": ["complaint"],
}
ARTICLE = {
    "title": "计划停水的查询与答复口径",
    "body": "计划停水由供水公司提前 24 小时公告。"
    "请告知市民：可拨打 96116 或在“城市供水”公众号查询停水范围和恢复时间。",
    "category": "供水",
    "basis": "policy",
}


# Chromium logs a refused request as a console error; these are the refusals the tests cause
EXPECTED_CONSOLE = ("status of 422", "ERR_INTERNET_DISCONNECTED")
BROWSER = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 1600, "height": 900}}


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """As the e2e ``new_page`` fixture, except that the server's 422 for a refused order and
    the failed requests of an offline page are expected here, not JavaScript errors."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(clock: bool = False) -> Any:
        context = browser.new_context(base_url=live_server, **BROWSER)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(f"{page.url}: console: {message.text}")
                if message.type == "error" and not any(e in message.text for e in EXPECTED_CONSOLE)
                else None
            ),
        )
        if clock:
            page.clock.install()
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


class Client:
    """A user of the API, signed in (the set-up of this module as an administrator would do it)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=10)
        response = self.client.post("/api/v1/auth/token", data={"username": username, "password": password})
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def get(self, path: str) -> Any:
        response = self.client.get(f"/api/v1{path}")
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, json: dict[str, Any] | None = None) -> Any:
        response = self.client.post(f"/api/v1{path}", json=json)
        assert response.status_code < 300, response.text
        return response.json()


def call_order(api: Api, call_id: str) -> dict[str, Any]:
    """The order the server drafted for a call, as the API shows it."""
    found = api.get(f"/workorders?call_id={call_id}")["items"]
    assert len(found) == 1, found
    order: dict[str, Any] = api.get(f"/workorders/{found[0]['id']}")
    return order


@pytest.fixture(scope="module")
def kb_article(live_server: str) -> Iterator[dict[str, Any]]:
    """The tenant's reason codes, a shift leader on duty all day, a unit, a required custom
    field and a published article of the knowledge base; the field, the shift and the
    article are taken away afterwards (the server is shared by every browser test)."""
    admin = Client(live_server, "admin", "admin123")
    supervisor = Client(live_server, "supervisor", "super123")
    try:
        response = admin.client.put("/api/v1/reason-codes", json={"nodes": REASONS})
        assert response.status_code == 200, response.text
        response = admin.client.put("/api/v1/units/water", json={"name": "自来水公司"})
        assert response.status_code == 200, response.text
        response = admin.client.put("/api/v1/workorder-fields/district", json=DISTRICT)
        assert response.status_code == 200, response.text
        leader = next(u for u in admin.get("/users") if u["username"] == "leader")
        shift = supervisor.post("/duty/shifts", {"leader_id": leader["id"], "hours": "00:00-00:00"})
        article: dict[str, Any] = supervisor.post("/kb/articles", ARTICLE)
        supervisor.post(f"/kb/articles/{article['id']}/publish")
        yield article
        admin.client.delete("/api/v1/workorder-fields/district")
        supervisor.client.delete(f"/api/v1/duty/shifts/{shift['id']}")
        supervisor.client.delete(f"/api/v1/kb/articles/{article['id']}")
    finally:
        admin.client.close()
        supervisor.client.close()


def answer_a_call(page: Any, leader_api: Api, caller: str) -> str:
    """The agent (signed in) goes ready, a caller rings through the virtual switch, the agent
    answers: -> the call id."""
    page.keyboard.press("Alt+R")
    expect(page.locator("#state-label")).to_have_text("就绪")
    call_id = leader_api.place_call("general", caller)
    expect(page.locator("#ring-number")).to_have_text(caller)
    page.keyboard.press("Alt+A")
    expect(page.locator("#state-label")).to_have_text("通话")
    return call_id


def test_order_opens_with_the_call_is_refused_without_location_and_sent_with_the_cited_article(
    new_page: Callable[..., Any],
    sign_in: SignIn,
    screenshot: Shot,
    leader_api: Api,
    kb_article: dict[str, Any],
) -> None:
    page = new_page()
    sign_in(page, "agent2", "agent123", "agent.html")
    call_id = answer_a_call(page, leader_api, "13500135000")

    # the order the server drafted for this call opens beside the call
    form = page.locator("#wo-form")
    expect(form).to_be_visible()
    order = call_order(leader_api, call_id)
    expect(page.locator("#wo-number")).to_have_text(order["number"])
    expect(page.locator("#wo-state")).to_have_text("草稿")
    expect(page.locator("#wo-clock")).to_have_attribute("data-level", "waiting")
    expect(page.locator("#wo-clock-note")).to_have_text("挂机后开始计时")

    # the agent types; the hints follow: a field touched and left empty says so at once
    page.get_by_label("咨询", exact=True).check()
    page.get_by_label("来电原因").select_option("water.outage")
    page.get_by_label("地点（标题）").fill("x")
    page.get_by_label("地点（标题）").fill("")
    expect(page.locator("#wo-err-location")).to_have_text("必填：地点（标题）")
    page.get_by_label("事件摘要（标题）").fill("小区停水")
    page.get_by_label("时间（何时）").fill("今天早上八点起")
    page.get_by_label("地点（何地）").fill("朝阳区建国路 88 号院 3 号楼")
    page.get_by_label("事件经过（何事）").fill("整栋楼没有自来水，物业说不清原因。")
    page.get_by_label("来电诉求").fill("想知道什么时候恢复供水")
    expect(page.locator("#wo-missing")).to_contain_text("地点（标题）")

    # knowledge base in Chinese: find the article, read it, answer with it
    page.keyboard.press("Alt+K")
    expect(page.locator("#kb-q")).to_be_focused()
    page.keyboard.type("停水")
    page.keyboard.press("Enter")
    hit = page.locator("#kb-results .kb-hit-title", has_text="计划停水的查询与答复口径")
    expect(hit).to_be_visible()
    expect(hit.locator("mark")).to_have_text("停水")
    hit.click()
    expect(page.locator("#kb-article-title")).to_have_text(ARTICLE["title"])
    page.get_by_role("button", name="用此文章答复").click()
    expect(page.get_by_label("答复方式")).to_have_value("direct")
    expect(page.get_by_label("答复内容")).to_have_value(re.compile("96116"))
    expect(page.locator("#wo-basis .wo-basis-item")).to_have_attribute("data-ref", kb_article["id"])

    # send without the location: refused, the server's message beside the field
    page.locator("#wo-form").get_by_label("事件摘要（标题）").focus()
    page.keyboard.press("Alt+S")
    expect(page.locator("#wo-err-location")).to_have_text("必填：地点（标题）")
    expect(page.locator("#wo-err-location")).to_have_attribute("data-source", "server")
    expect(page.get_by_label("地点（标题）")).to_be_focused()
    expect(page.locator("#wo-state")).to_have_text("草稿")
    assert call_order(leader_api, call_id)["state"] == "draft"
    screenshot(page, "agent-workorder-refused")

    # the location filled: accepted, and the server has every field and the cited article
    page.get_by_label("地点（标题）").fill("朝阳区建国路")
    expect(page.locator("#wo-err-location")).to_have_text("")
    expect(page.locator("#wo-title")).to_have_text("朝阳区建国路：小区停水")
    expect(page.locator("#wo-missing")).to_have_text("必填项已齐全，可以发送")
    page.get_by_role("button", name="发送工单").click()
    expect(page.locator("#wo-state")).to_have_text("已提交")
    screenshot(page, "agent-workorder")
    sent = call_order(leader_api, call_id)
    assert sent["state"] == "submitted"
    values = sent["values"]
    assert values["location"] == "朝阳区建国路"
    assert values["summary"] == "小区停水"
    assert values["category"] == "inquiry"
    assert values["reason_code"] == "water.outage"
    assert values["request"] == "想知道什么时候恢复供水"
    assert values["answer_mode"] == "direct"
    assert "96116" in values["answer"]
    assert values["basis"] == [
        {"kind": "kb_article", "ref": kb_article["id"], "title": ARTICLE["title"], "clause": ""}
    ]
    assert sent["title"] == "朝阳区建国路：小区停水"

    # submitted while the caller is on the line: the 15 minutes are met
    page.keyboard.press("Alt+X")
    expect(page.locator("#wo-clock")).to_have_attribute("data-level", "met")


def test_a_complaint_goes_to_the_leader_on_duty_in_one_click(
    new_page: Callable[..., Any], sign_in: SignIn, leader_api: Api, kb_article: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, "agent5", "agent123", "agent.html")
    call_id = answer_a_call(page, leader_api, "13300133000")
    expect(page.locator("#wo-form")).to_be_visible()
    page.get_by_label("投诉", exact=True).check()
    page.get_by_label("急件").check()
    page.get_by_label("来电原因").select_option("light.broken")
    page.get_by_label("地点（标题）").fill("海淀区中关村大街")
    page.get_by_label("事件摘要（标题）").fill("路灯一周不亮")
    page.get_by_label("时间（何时）").fill("上周一起")
    page.get_by_label("地点（何地）").fill("中关村大街 27 号门前")
    page.get_by_label("事件经过（何事）").fill("连续一周夜间路灯不亮，已有老人摔倒。")
    page.get_by_label("来电诉求").fill("尽快修复")
    expect(page.locator("#wo-title")).to_have_text("【急件】海淀区中关村大街：路灯一周不亮")
    expect(page.get_by_label("发送给")).to_contain_text("值班长")
    page.get_by_label("发送给").select_option("leader")
    # the tenant's own field, required for complaints: hinted, and refused by the server without it
    expect(page.locator('[data-field="district"]')).to_have_attribute("data-required", "true")
    expect(page.locator("#wo-missing")).to_have_text("还缺 1 项：所属区")
    page.keyboard.press("Alt+S")
    expect(page.locator("#wo-err-district")).to_have_text("必填：所属区")
    page.get_by_label("所属区").select_option("海淀区")
    expect(page.locator("#wo-err-district")).to_have_text("")
    page.keyboard.press("Alt+S")
    expect(page.locator("#wo-state")).to_have_text("已转办")
    sent = call_order(leader_api, call_id)
    assert sent["state"] == "assigned"
    assert sent["assignee"] == {"kind": "user", "id": leader_api.user_id}
    assert sent["title"] == "【急件】海淀区中关村大街：路灯一周不亮"
    assert sent["values"]["district"] == "海淀区"


def test_draft_survives_reload_and_network_drop_and_the_clock_runs_after_hang_up(
    new_page: Callable[..., Any],
    sign_in: SignIn,
    screenshot: Shot,
    leader_api: Api,
    kb_article: dict[str, Any],
) -> None:
    page = new_page(clock=True)  # the page's clock can be moved forward
    sign_in(page, "agent3", "agent123", "agent.html")
    call_id = answer_a_call(page, leader_api, "13600136001")
    expect(page.locator("#wo-form")).to_be_visible()
    order_id = call_order(leader_api, call_id)["id"]

    page.get_by_label("地点（标题）").fill("西城区金融街")
    expect(page.locator("#wo-save")).to_have_text("已保存")
    page.get_by_label("事件摘要（标题）").fill("井盖缺失")  # in the browser only: reloaded at once
    page.reload()
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    expect(page.locator("#state-label")).to_have_text("通话")
    expect(page.get_by_label("地点（标题）")).to_have_value("西城区金融街")
    expect(page.get_by_label("事件摘要（标题）")).to_have_value("井盖缺失")
    expect(page.locator("#wo-save")).to_have_text("已保存")
    assert leader_api.get(f"/workorders/{order_id}")["values"]["summary"] == "井盖缺失"

    # the network drops while the agent types: kept in the browser, saved when it is back
    page.context.set_offline(True)
    page.get_by_label("事件经过（何事）").fill("路口井盖被盗，夜里很危险。")
    expect(page.locator("#wo-save")).to_have_text("离线：已存于本机，恢复连接后同步")
    kept = page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('helpline.wo.draft.'))")
    assert len(kept) == 1
    assert not leader_api.get(f"/workorders/{order_id}")["values"].get("course")
    page.context.set_offline(False)
    expect(page.locator("#wo-save")).to_have_text("已保存")
    assert leader_api.get(f"/workorders/{order_id}")["values"]["course"] == "路口井盖被盗，夜里很危险。"

    # hang up: the 15 minutes start; amber near the end, red past it (the page's clock moves)
    page.keyboard.press("Alt+X")
    clock = page.locator("#wo-clock")
    expect(clock).to_have_attribute("data-level", "ok")
    expect(page.locator("#wo-clock-time")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    page.clock.fast_forward("12:30")
    expect(clock).to_have_attribute("data-level", "warn")
    expect(page.locator("#wo-clock-time")).to_have_text(re.compile(r"^[12]:\d\d$"))
    screenshot(page, "agent-workorder-clock-warn")
    page.clock.fast_forward("03:00")
    expect(clock).to_have_attribute("data-level", "over")
    expect(page.locator("#wo-clock-note")).to_have_text("已超过 15 分钟")

    # my work lists the order with its clock
    page.keyboard.press("Alt+G")
    row = page.locator(f'#work-orders li[data-id="{order_id}"]')
    expect(row).to_contain_text("西城区金融街：井盖缺失")
    expect(row.locator(".work-clock")).to_have_attribute("data-level", "over")
    screenshot(page, "agent-my-work")


def test_an_inquiry_promised_a_callback_is_due_in_my_work_and_answered_from_there(
    new_page: Callable[..., Any], sign_in: SignIn, leader_api: Api, kb_article: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, "agent1", "agent123", "agent.html")
    call_id = answer_a_call(page, leader_api, "13100131000")
    expect(page.locator("#wo-form")).to_be_visible()
    page.get_by_label("咨询", exact=True).check()
    page.get_by_label("来电原因").select_option("water.quality")
    page.get_by_label("地点（标题）").fill("东城区东四")
    page.get_by_label("事件摘要（标题）").fill("自来水发黄")
    page.get_by_label("时间（何时）").fill("昨晚起")
    page.get_by_label("地点（何地）").fill("东四十条 5 号")
    page.get_by_label("事件经过（何事）").fill("打开水龙头水是黄色的。")
    page.get_by_label("来电诉求").fill("能不能喝，何时恢复")
    page.get_by_label("答复方式").select_option("callback")
    page.keyboard.press("Alt+X")  # the call ends; the callback is promised within 15 min of it
    expect(page.locator("#wo-clock")).to_have_attribute("data-level", "ok")
    page.keyboard.press("Alt+S")
    expect(page.locator("#wo-state")).to_have_text("已提交")
    order_id = call_order(leader_api, call_id)["id"]

    page.keyboard.press("Alt+G")
    due = page.locator(f'#work-callbacks li[data-id="{order_id}"]')
    expect(due.locator(".work-clock")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    expect(page.locator("#work-badge")).not_to_be_hidden()
    page.get_by_role("button", name="新建工单").click()  # the agent moved on to another order
    expect(page.locator("#wo-state")).to_have_text("草稿")
    due.get_by_role("button", name="打开").click()
    expect(page.locator("#wo-state")).to_have_text("已提交")
    page.get_by_label("回电答复（回电后记录，完成回电时限）").fill("已回电：水质检测合格，管网冲洗后已恢复。")
    page.get_by_role("button", name="记录回电答复").click()
    expect(page.locator("#wo-state")).to_have_text("已答复")
    assert leader_api.get(f"/workorders/{order_id}")["state"] == "replied"
    expect(due).to_have_count(0)


MERGE_CASES = """async () => {
  const { mergeDraft } = await import("/ui/js/agent/drafts.js");
  const base = { location: "A", summary: "old", course: "" };
  const kept = { values: { location: "A", summary: "typed offline", course: "mine" }, base, edited_at: 100 };
  return {
    // the server moved another field: both kept
    other: mergeDraft(kept, { ...base, location: "B" }, 200),
    // the server changed the same field later than the agent typed: the server's wins
    serverNewer: mergeDraft(kept, { ...base, summary: "leader's" }, 200),
    // ... earlier than the agent typed: the agent's wins, and is still to be saved
    mineNewer: mergeDraft(kept, { ...base, summary: "leader's" }, 50),
    nothingKept: mergeDraft(null, base, 0),
  };
}"""

CLOCK_CASES = """async () => {
  const { completionClock } = await import("/ui/js/agent/wo_rules.js");
  const draft = { state: "draft", clocks: [] };
  const ended = { ...draft, call_ended_at: 1000 };
  return {
    onCall: completionClock(draft, 500).level,
    fresh: completionClock(ended, 1001),
    amber: completionClock(ended, 1000 + 12 * 60).level,
    red: completionClock(ended, 1000 + 15 * 60 + 1).level,
    byClock: completionClock({ ...draft, clocks: [{ kind: "completion", due: 5000, state: "running" }] },
                             4000),
    inTime: completionClock({ ...ended, state: "submitted", submitted_at: 1200 }, 9000).level,
    late: completionClock({ ...ended, state: "submitted", submitted_at: 2000 }, 9000).level,
  };
}"""


def test_the_newer_edit_of_a_field_wins_and_the_clock_follows_the_order_timestamps(
    new_page: Callable[..., Any],
) -> None:
    """The pure parts of the form, run in the browser as the desktop runs them."""
    page = new_page()
    page.goto("/ui/login.html")
    merged = page.evaluate(MERGE_CASES)
    assert merged["other"] == {
        "values": {"location": "B", "summary": "typed offline", "course": "mine"},
        "pending": {"summary": "typed offline", "course": "mine"},
    }
    assert merged["serverNewer"]["values"]["summary"] == "leader's"
    assert merged["serverNewer"]["pending"] == {"course": "mine"}
    assert merged["mineNewer"]["values"]["summary"] == "typed offline"
    assert merged["mineNewer"]["pending"] == {"summary": "typed offline", "course": "mine"}
    assert merged["nothingKept"] == {
        "values": {"location": "A", "summary": "old", "course": ""},
        "pending": {},
    }
    clock = page.evaluate(CLOCK_CASES)
    assert clock["onCall"] == "waiting"
    assert clock["fresh"] == {"level": "ok", "left": 899, "due": 1900}
    assert (clock["amber"], clock["red"]) == ("warn", "over")
    assert clock["byClock"] == {"level": "ok", "left": 1000, "due": 5000}
    assert (clock["inTime"], clock["late"]) == ("met", "late")
