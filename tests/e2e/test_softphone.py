"""The browser softphone in Debian's Chromium, on the real SIP switch: the agent turns it on
(a fake microphone that beeps), a sipp caller dials 100, presses 1 in the IVR and waits in
``general``; the desktop and the softphone ring; the agent answers on the desktop; audio
flows both ways (the browser's inbound RTP grows; the browser's microphone reaches the
caller through the switch, and the caller's echo comes back); the agent hangs up in the
softphone panel and turns it off. With the virtual switch the panel says there is no audio."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
MEDIA_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",  # microphone permission granted without a prompt
    "--use-fake-device-for-media-stream",  # a fake microphone that beeps
    "--autoplay-policy=no-user-gesture-required",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    for module, package in (("playwright", "playwright"), ("aiortc", "aiortc")):
        if importlib.util.find_spec(module) is None:
            return f"the browser softphone test needs {package} (pip install {package})"
    if shutil.which("sipp") is None:
        return "sipp is not installed (Debian: apt-get install sip-tester)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "sip"))
from liveserver import LiveSip, start_live_sip  # noqa: E402
from sipharness import SIPP, Sipp, free_even_port, free_port, pcap  # noqa: E402

SignIn = Callable[[Any, str, str, str], None]
Shot = Callable[[Any, str], None]


@pytest.fixture(scope="module")
def sip_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("softphone-e2e"))


@pytest.fixture(scope="module")
def media_browser(sip_server: LiveSip) -> Iterator[Any]:
    """Chromium with a fake microphone (the server starts first: no event loop is running)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=MEDIA_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page_at(media_browser: Any) -> Iterator[Callable[[str], Any]]:
    """``page_at(base_url)``: a page of its own context; JavaScript errors fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(base_url: str) -> Any:
        context = media_browser.new_context(
            viewport={"width": 1600, "height": 900}, base_url=base_url, locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )  # fmt: skip
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None,
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


def caller(workdir: Path, sip_port: int) -> subprocess.Popen[bytes]:
    """sipp dials 100, presses 1 (queue ``general``), echoes what it hears, waits for the BYE."""
    assert SIPP is not None
    scenario = Sipp(workdir).scenario("uac_bridged.xml", before_dtmf=700, dtmf_pcap=pcap("dtmf_2833_1.pcap"))
    return subprocess.Popen(
        [SIPP, "-sf", str(scenario), "-s", "100", f"127.0.0.1:{sip_port}", "-p", str(free_port()),
         "-mp", str(free_even_port()), "-rtp_echo", "-m", "1", "-nostdin", "-timeout", "90s",
         "-timeout_error", "-trace_err", "-i", "127.0.0.1", "-mi", "127.0.0.1"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def inbound(page: Any) -> dict[str, float]:
    """The browser's inbound audio statistics (RTCPeerConnection.getStats, inbound-rtp)."""
    stats: dict[str, float] = page.evaluate(
        """async () => {
          const report = await window.helplineSoftphone.pc.getStats();
          for (const s of report.values()) {
            if (s.type === "inbound-rtp" && s.kind === "audio") {
              return { packets: s.packetsReceived || 0, energy: s.totalAudioEnergy || 0 };
            }
          }
          return { packets: 0, energy: 0 };
        }"""
    )
    return stats


def until(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached: {what}")
        time.sleep(0.1)


def test_agent_talks_through_the_browser_softphone(
    sip_server: LiveSip, page_at: Callable[[str], Any], sign_in: SignIn, screenshot: Shot,
    tmp_path: Path,
) -> None:  # fmt: skip
    from playwright.sync_api import expect

    page = page_at(sip_server.base_url)
    sign_in(page, "agent1", "agent123", "agent.html")
    status = page.locator("#sp-status")
    expect(status).to_have_attribute("data-state", "off")
    expect(page.locator("#sp-note")).to_contain_text("无需桌面话机")

    page.get_by_role("button", name="开启软电话").click()
    expect(status).to_have_attribute("data-state", "registered")
    expect(status).to_have_text("已注册，等待来电")
    expect(page.locator("#sp-toggle")).to_have_attribute("aria-pressed", "true")
    switch = sip_server.container.sip.switch if sip_server.container.sip else None
    assert switch is not None and len(switch.registrar.lookup("8001")) == 1  # agent1's extension
    expect(page.locator("#sp-meter")).not_to_have_attribute("value", "0")  # the fake microphone beeps

    page.get_by_role("button", name="就绪").click()
    expect(page.locator("#state-pill")).to_have_attribute("data-state", "ready")

    sipp = caller(tmp_path, sip_server.sip_port)
    try:
        expect(page.locator("#view-ringing")).to_be_visible(timeout=20_000)  # IVR, key 1, queue, offer
        expect(page.locator("#ring-number")).to_have_text("5551234")
        expect(status).to_have_attribute("data-state", "ringing")
        expect(page.locator("#sp-note")).to_contain_text("5551234")
        assert inbound(page)["packets"] == 0  # nothing is sent to the browser before the answer

        page.locator("#btn-answer").click()  # the desktop's answer: the softphone picks up
        expect(status).to_have_attribute("data-state", "in_call")
        expect(page.locator("#view-active")).to_be_visible()
        [call_id] = list(switch.calls)
        switch_call = switch.calls[call_id]
        until(lambda: switch_call.bridged is not None, "the switch bridges the caller and the softphone")

        # the browser receives audio: the caller's echo of the browser's own beeps
        first = inbound(page)
        until(lambda: inbound(page)["packets"] > first["packets"] + 50, "inbound RTP grows in the browser")
        until(lambda: inbound(page)["energy"] > 0, "the browser hears sound, not silence")
        # the caller receives RTP from the browser: relayed by the switch from the softphone's leg
        until(lambda: switch_call.relayed.get("to_caller", 0) > 50, "the switch relays the browser's audio")
        line = sip_server.container.softphone.gateway.get(("default", page.evaluate(
            "JSON.parse(sessionStorage.getItem('helpline.session')).user.id")))  # fmt: skip
        assert line is not None and line.pump.frames_to_switch > 50
        until(lambda: line.pump.peak_level > 0.01, "the beeps of the fake microphone reach the switch")
        screenshot(page, "softphone")

        page.locator("#sp-mute").click()
        expect(page.locator("#sp-mute")).to_have_attribute("aria-pressed", "true")
        page.locator("#sp-mute").click()

        # the keypad: a click and typed keys reach the switch as RFC 4733 telephone-events
        page.locator('#sp-keypad [data-key="1"]').click()
        page.keyboard.type("2#")
        expect(page.locator("#sp-digits")).to_have_text("12#")
        agent_leg = switch_call.agent_legs[line.key[1]]
        until(lambda: agent_leg.rtp.stats.dtmf_digits == "12#", "the switch detects the keys")

        page.locator("#sp-hangup").click()  # hang up in the browser: the switch ends the call
        expect(status).to_have_attribute("data-state", "registered")
        expect(page.locator("#sp-note")).to_have_text("通话已结束")
        expect(page.locator("#view-active")).to_be_hidden()
        out, err = sipp.communicate(timeout=60)  # the caller gets its BYE (after the survey)
        assert sipp.returncode == 0, (out + err).decode(errors="replace")[-3000:]
    finally:
        if sipp.poll() is None:
            sipp.kill()
            sipp.communicate()

    first_line = sip_server.container.softphone.gateway.lines  # one line, registered once
    assert len(first_line) == 1 and len(switch.registrar.lookup("8001")) == 1
    page.reload()  # a reload turns the softphone on again, with a new line in place of the old one
    expect(status).to_have_attribute("data-state", "registered")
    until(lambda: len(switch.registrar.lookup("8001")) == 1, "one binding after the reload")
    assert len(sip_server.container.softphone.gateway.lines) == 1

    page.get_by_role("button", name="关闭软电话").click()
    expect(status).to_have_attribute("data-state", "off")
    until(lambda: switch.registrar.lookup("8001") == [], "turning it off unregisters")


def test_with_the_virtual_switch_the_panel_says_there_is_no_audio(
    live_server: str, page_at: Callable[[str], Any], sign_in: SignIn
) -> None:
    from playwright.sync_api import expect

    page = page_at(live_server)
    sign_in(page, "agent2", "agent123", "agent.html")
    expect(page.locator("#sp-status")).to_have_attribute("data-state", "unavailable")
    expect(page.locator("#sp-note")).to_have_text("虚拟交换机没有语音：软电话仅在 SIP 交换机下可用")
    expect(page.locator("#sp-toggle")).to_be_disabled()
    page.locator("#lang").select_option("en")
    expect(page.locator("#sp-note")).to_contain_text("The virtual switch carries no audio")
    page.locator("#lang").select_option("zh-CN")
