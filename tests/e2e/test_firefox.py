"""The screens in Firefox: Debian's firefox-esr, headless, driven over WebDriver BiDi (see
firefox_bidi.py; Playwright cannot drive a stock Firefox). Smoke tests of each screen as a
person uses it: sign in through the form, the agent takes a call, the wallboard follows, the
admin console draws its IVR diagram, English on request; and no JavaScript error anywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.firefox_bidi import Firefox, Tab, find_firefox

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WALLBOARD = (1920, 1080)
FIREFOX = find_firefox()

pytestmark = pytest.mark.skipif(
    FIREFOX is None,
    reason="the Firefox tests need /usr/bin/firefox-esr (apt-get install firefox-esr)",
)

Api = Any  # the conftest's httpx client signed in as the leader (``leader_api``)


@pytest.fixture(scope="module")
def firefox() -> Iterator[Firefox]:
    """One headless Firefox for the module; each test opens tabs in user contexts of their own."""
    assert FIREFOX is not None
    with Firefox(FIREFOX) as browser:
        yield browser


@pytest.fixture
def open_tab(firefox: Firefox, live_server: str) -> Iterator[Callable[..., Tab]]:
    """``open_tab(width, height)``: a tab with its own storage; at the end of the test, the
    tabs close and no page may have logged a JavaScript error or a console error."""
    tabs: list[Tab] = []
    logged = len(firefox.log)

    def make(width: int = 1600, height: int = 900) -> Tab:
        tabs.append(firefox.new_tab(live_server, width, height))
        return tabs[-1]

    yield make
    errors = firefox.errors(since=logged)
    for tab in tabs:
        tab.close()
    assert not errors, f"JavaScript errors in Firefox: {errors}"


def shot(tab: Tab, name: str) -> None:
    tab.screenshot(SCREENSHOTS / f"firefox-{name}.png")


def sign_in(tab: Tab, username: str, password: str, lands_on: str) -> None:
    """Through the sign-in page: the fields filled through the DOM, the button clicked with the
    mouse; returns when the screen it lands on has its live stream up."""
    tab.goto("/")
    tab.wait_for("document.querySelector('#login-form') && document.querySelector('#lang').options.length")
    tab.fill("#username", username)
    tab.fill("#password", password)
    tab.click("#login-submit")
    tab.wait_for(f"location.pathname.endsWith('/ui/{lands_on}')", what=f"landing on {lands_on}")
    tab.wait_for("document.querySelector('#conn')?.dataset.status === 'live'", what=f"{lands_on} to be live")


def queue_waiting(tab: Tab, queue: str) -> str | None:
    return tab.text(f'[data-queue="{queue}"] .q-waiting')


def test_agent_signs_in_goes_ready_and_answers_a_call(open_tab: Callable[..., Tab], leader_api: Api) -> None:
    tab = open_tab()
    tab.goto("/")
    tab.wait_text("#login-submit", "登录")
    shot(tab, "login")
    sign_in(tab, "agent1", "agent123", "agent.html")
    tab.wait_text("#state-label", "离席")
    tab.click("#btn-ready")
    tab.wait_text("#state-label", "就绪")
    assert tab.evaluate("document.querySelector('#state-pill').dataset.state") == "ready"
    # the dial-out field and its button share a row inside the call panel (Firefox keeps an
    # input's intrinsic width in a flex row unless told otherwise)
    dial = tab.evaluate(
        "(() => { const box = (s) => document.querySelector(s).getBoundingClientRect();"
        " const field = box('#dial-number'), button = box('#btn-dial'), panel = box('#view-idle');"
        " return {one_row: field.top < button.bottom && button.top < field.bottom,"
        " inside: field.right <= button.left && button.right <= panel.right + 1}; })()"
    )
    assert dial == {"one_row": True, "inside": True}, dial
    assert tab.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the desktop scrolls sideways"
    shot(tab, "agent-ready")

    leader_api.place_call("general", "13800138000")
    tab.wait_for("!document.querySelector('#view-ringing').hidden", what="the ringing banner")
    tab.wait_text("#ring-number", "13800138000")
    assert tab.visible("#view-ringing") and tab.visible("#btn-answer")
    # the whole number is readable on one line, and none of it runs under the buttons
    assert tab.evaluate(
        "(() => { const number = document.querySelector('#ring-number');"
        " const range = document.createRange(); range.selectNodeContents(number);"
        " const text = range.getBoundingClientRect(), actions = document.querySelector('.ring-actions')"
        ".getBoundingClientRect(), lines = range.getClientRects().length;"
        " return lines === 1 && (text.right <= actions.left || text.bottom <= actions.top); })()"
    ), "the ringing number wraps or runs under the answer button"
    shot(tab, "agent-ringing")

    tab.press("Alt+A")  # the keyboard shortcut, as agents answer
    tab.wait_text("#state-label", "通话")
    tab.wait_text("#active-number", "13800138000")
    tab.wait_for("!document.querySelector('#wo-form').hidden", what="the work-order form")
    assert tab.visible("#wo-form") and tab.visible("#btn-hangup")
    shot(tab, "agent-active")

    tab.press("Alt+H")  # hold: the hold timer starts against the 30-second norm
    tab.wait_text("#state-label", "保持")
    tab.wait_for("document.querySelector('#hold-box').dataset.level === 'ok'", what="the hold timer running")
    tab.wait_for("/^0:0\\d$/.test(document.querySelector('#hold-timer').textContent.trim())")
    tab.press("Alt+H")
    tab.wait_text("#state-label", "通话")

    tab.click("#btn-hangup")
    tab.wait_text("#state-label", "话后处理")


def test_wallboard_shows_queues_and_agents_and_follows_them(
    open_tab: Callable[..., Tab], leader_api: Api
) -> None:
    board = open_tab(*WALLBOARD)
    sign_in(board, "leader", "leader123", "wallboard.html")
    board.wait_for("document.querySelectorAll('#queue-cards [data-queue]').length > 0", what="queue cards")
    board.wait_for("document.querySelectorAll('#agent-rows tr[data-ext]').length > 0", what="the agent grid")
    assert queue_waiting(board, "general") == "0"

    agent = open_tab()
    sign_in(agent, "agent2", "agent123", "agent.html")
    row = '#agent-rows tr[data-ext="8002"] .state-chip'
    board.wait_text(row, "离席", timeout=5)
    agent.press("Alt+R")
    agent.wait_text("#state-label", "就绪")
    board.wait_text(row, "就绪", timeout=5)

    agent.press("Alt+N")
    agent.wait_text("#state-label", "离席")
    board.wait_text(row, "离席", timeout=5)
    leader_api.place_call("general", "13900139000")  # nobody is ready: the caller waits
    board.wait_for(
        "document.querySelector('[data-queue=\"general\"] .q-waiting')?.textContent.trim() === '1'",
        timeout=5,
        what="one caller waiting in general",
    )
    board.wait_for(
        "document.querySelector('#waiting-rows tr')?.textContent.includes('13900139000')",
        timeout=5,
        what="the waiting caller's row",
    )
    assert board.evaluate(
        "(({scrollWidth, scrollHeight}) => scrollWidth <= innerWidth && scrollHeight <= innerHeight)"
        "(document.documentElement)"
    ), "the wallboard does not fit a 1080p wall screen"
    shot(board, "wallboard")


def test_admin_console_renders_its_tabs_and_draws_the_ivr_flow(open_tab: Callable[..., Tab]) -> None:
    tab = open_tab(1600, 1240)
    tab.goto("/")
    tab.wait_for("document.querySelector('#lang')?.options.length")
    tab.fill("#username", "admin")
    tab.fill("#password", "admin123")
    tab.press("Enter")  # the form submits from the keyboard too
    tab.wait_for("location.pathname.endsWith('/ui/admin.html')", what="the admin console")
    tab.wait_for("document.body.dataset.ready === 'users'", what="the users tab")
    tabs = tab.evaluate("[...document.querySelectorAll('[role=tab]')].map(t => t.textContent.trim())")
    assert tabs[:3] == ["用户与技能", "队列与策略", "IVR 流程"], tabs
    assert tab.visible("#panel-users")
    assert tab.evaluate("document.querySelectorAll('#user-list [data-user]').length") >= 3

    tab.click("#tab-queues")
    tab.wait_for("document.body.dataset.ready === 'queues'", what="the queues tab")
    tab.wait_for("document.querySelector('#queue-list [data-queue=\"general\"]')", what="the general queue")

    tab.click("#tab-ivr")
    tab.wait_for("document.body.dataset.ready === 'ivr'", what="the IVR tab")
    tab.wait_for(
        "document.querySelectorAll('#ivr-svg .ivr-node').length >= 3", what="the IVR diagram's nodes"
    )
    drawn = tab.evaluate(
        "(() => { const svg = document.querySelector('#ivr-svg'); const box = svg.getBoundingClientRect();"
        " const node = svg.querySelector('.ivr-node').getBBox();"
        " return {tag: svg.tagName, width: box.width, height: box.height, edges:"
        " svg.querySelectorAll('.ivr-edge').length, node: [node.width, node.height]}; })()"
    )
    assert drawn["tag"] == "svg", drawn
    assert drawn["width"] > 100 and drawn["height"] > 100, drawn
    assert drawn["edges"] >= 2 and min(drawn["node"]) > 0, drawn
    shot(tab, "admin-ivr")


def test_desktop_switches_to_english(open_tab: Callable[..., Tab]) -> None:
    tab = open_tab()
    sign_in(tab, "agent3", "agent123", "agent.html")
    tab.wait_text("#state-label", "离席")
    tab.fill("#lang", "en")  # the language picker: a <select>, changed as a person would
    tab.wait_for("document.documentElement.lang === 'en'", what="html lang=en")
    tab.wait_text("#state-label", "Not ready")
    tab.wait_text("#btn-ready span", "Ready")
    tab.wait_text("#pop-heading", "Screen pop")
    tab.goto("/ui/agent.html")  # remembered after a reload
    tab.wait_text("#state-label", "Not ready")
    shot(tab, "agent-en")
