"""The browser softphone as the agent's phone for a dial-out, through the whole platform on real
SIP: the switch first rings the agent's phone with ``Call-Info: …;answer-after=0`` (the agent
placed the call), the softphone's gateway picks up by itself, the carrier (a sipp UAS on the
trunk) answers and the two are bridged; then the agent's keypad reaches the switch as RFC 4733
events, which the switch passes on to the carrier. An aiortc peer stands in for the browser."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

pytest.importorskip("aiortc", reason="the browser softphone needs aiortc (pip install aiortc)")

from liveserver import LiveSip, start_live_sip
from sipharness import (  # noqa: F401  (fixtures)
    Sipp,
    free_even_port,
    free_port,
    needs_sipp,
    pcap,
    sipp_fixture,
)
from test_softphone_gateway import Browser, until

from helpline.adapters.telephony.sip.headers import Headers
from helpline.adapters.telephony.sip.message import Request
from helpline.adapters.webrtc.sip_phone import auto_answer_requested

pytestmark = needs_sipp
CALLER_ID = "02150001234"
NUMBER = "13800138000"


@pytest.fixture(scope="module")
def trunk_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, trunk_port: int) -> Iterator[LiveSip]:
    yield from start_live_sip(
        tmp_path_factory.mktemp("softphone-dialout"),
        sip_trunk=f"127.0.0.1:{trunk_port}",
        sip_caller_id=CALLER_ID,
    )


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    peer = Browser()  # what softphone.js does: microphone, "events" channel, one offer
    yield peer
    await peer.close()


def _invite(*headers: tuple[str, str]) -> Request:
    values = Headers()
    for name, value in headers:
        values.add(name, value)
    return Request(headers=values, method="INVITE", uri="sip:8001@127.0.0.1")


def test_only_an_answer_after_zero_or_an_auto_alert_asks_the_phone_to_pick_up() -> None:
    assert auto_answer_requested(_invite(("Call-Info", "<sip:127.0.0.1>;answer-after=0")))
    assert auto_answer_requested(_invite(("Alert-Info", "<http://x>;info=alert-autoanswer")))
    assert not auto_answer_requested(_invite(("Call-Info", "<sip:127.0.0.1>;answer-after=10")))
    assert not auto_answer_requested(_invite(("Call-Info", "<http://x/photo.jpg>;purpose=icon")))
    assert not auto_answer_requested(_invite())


async def test_dial_out_with_the_softphone_picks_up_by_itself_and_the_keypad_reaches_the_carrier(
    live: LiveSip, sipp: Sipp, browser: Browser, trunk_port: int
) -> None:
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    carrier = asyncio.create_task(
        sipp.run(
            sipp.scenario("uas_trunk.xml", number=NUMBER, caller_id=CALLER_ID, ring_for=500,
                          audio_pcap=pcap("g711a.pcap")),
            "-p", str(trunk_port), "-mp", str(free_even_port()), "-rtp_echo",
            timeout=40,
        )
    )  # fmt: skip
    try:
        on = await agent.post("/softphone/session", {"type": "offer", "sdp": await browser.offer()})
        await browser.answer(on["sdp"])
        assert on["state"] == "registered", on
        await agent.post("/agents/me/login")

        # 外拨 from the desktop (Alt+O): nobody clicks answer on the softphone
        call_id = (await agent.post("/calls/dial", {"number": NUMBER}))["call_id"]
        record = await leader.until(f"/calls/{call_id}", lambda r: r["answered_at"] is not None, timeout=20)
        assert record["direction"] == "outbound" and record["agent_id"] == agent.user_id
        status = await agent.until("/softphone", lambda s: s["state"] == "in_call")
        assert status["call"]["auto_answer"] is True
        assert (await agent.get("/agents/me"))["state"] == "talking"

        assert live.container.sip is not None
        bridged = live.container.sip.switch.calls[call_id]
        me = agent.user_id
        await until(lambda: bridged.relayed.get(f"caller<{me}", 0) > 25, what="the agent's voice goes out")
        await until(lambda: bridged.relayed.get(f"{me}<caller", 0) > 25, what="the carrier is heard")

        # the keypad: refused when a key is not on it, sent as telephone-events otherwise
        bad = await agent.client.post("/softphone/dtmf", json={"digits": "12a"})
        assert bad.status_code == 422
        pressed = await agent.post("/softphone/dtmf", {"digits": "1"})
        assert pressed["digits"] == "1"
        await agent.post("/softphone/dtmf", {"digits": "23#"})
        leg = bridged.agent_legs[me]
        await until(lambda: leg.rtp.stats.dtmf_digits == "123#", what="the switch detects the keys")

        await agent.post(f"/calls/{call_id}/hangup")
        await agent.until("/softphone", lambda s: s["state"] == "registered")
        idle = await agent.client.post("/softphone/dtmf", json={"digits": "1"})
        assert idle.status_code == 409, idle.text
        result = await asyncio.wait_for(carrier, 40)
        assert result.returncode == 0, str(result)
    finally:
        carrier.cancel()
        await agent.client.post("/agents/me/logout")
        await agent.client.delete("/softphone/session")
        await agent.aclose()
        await leader.aclose()
