"""The browser softphone's gateway against the real SIP switch, with sipp as the caller and an
aiortc peer connection standing in for the browser: the gateway registers with digest auth,
the caller's call rings it, it answers, and audio flows both ways through the switch (the
caller echoes what it hears, so the browser's tone comes back to the browser)."""

from __future__ import annotations

import asyncio
import fractions
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("aiortc", reason="the browser softphone needs aiortc (pip install aiortc)")

from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from av import AudioFrame
from liveserver import LiveSip, start_live_sip
from sipharness import (  # noqa: F401  (fixtures)
    Sipp,
    SwitchFactory,
    free_even_port,
    free_port,
    make_switch_fixture,
    needs_sipp,
    pcap,
    sipp_fixture,
)

from helpline.adapters.webrtc.gateway import WebRtcGateway
from helpline.adapters.webrtc.sip_phone import RegisterFailed

pytestmark = needs_sipp
KEY = ("default", "agent-201")


class Tone(MediaStreamTrack):
    """A microphone that says a 440 Hz tone (48 kHz, 20 ms frames, paced in real time)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._pts / 48000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (np.arange(960) + self._pts) / 48000
        pcm = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 48000, self._pts, fractions.Fraction(1, 48000)
        self._pts += 960
        return frame


class Browser:
    """What softphone.js does: microphone + ``events`` data channel, one offer, the answer."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.events: list[dict[str, Any]] = []
        self.levels: list[float] = []
        self.channel = self.pc.createDataChannel("events")
        self.channel.on("message", lambda message: self.events.append(json.loads(message)))
        self.pc.addTrack(Tone())
        self.pc.on("track", self._track)
        self._tasks: list[asyncio.Task[None]] = []

    def _track(self, track: MediaStreamTrack) -> None:
        async def listen() -> None:
            while True:
                frame = await track.recv()
                pcm = frame.to_ndarray().astype(np.float64) / 32768
                self.levels.append(float(np.sqrt(np.mean(pcm**2))))

        self._tasks.append(asyncio.ensure_future(listen()))

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    def states(self) -> list[str]:
        return [e["state"] for e in self.events]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


async def until(check: Any, timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached: {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    peer = Browser()
    yield peer
    await peer.close()


async def test_the_gateway_registers_rings_answers_and_carries_audio_both_ways(
    make_switch: SwitchFactory, sipp: Sipp, browser: Browser
) -> None:
    switch, acd = await make_switch()
    acd.ring = "agent-201"  # the stand-in ACD rings extension 201 for every call
    gateway = WebRtcGateway(lambda: ("127.0.0.1", switch.port))
    try:
        line, answer = await gateway.open(KEY, "201", "secret", await browser.offer())
        await browser.answer(answer)
        assert line.phone.state == "registered"
        [binding] = switch.registrar.lookup("201")  # a desk phone on loopback, as far as the switch knows
        assert binding.contact == line.phone.contact.strip("<>")
        await until(lambda: "registered" in browser.states(), what="the browser hears 'registered'")

        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario(
                    "uac_dtmf.xml", before_dtmf=500, hold_for=6000, dtmf_pcap=pcap("dtmf_2833_1.pcap")
                ),
                "-s", "100", f"127.0.0.1:{switch.port}", "-p", str(free_port()),
                "-mp", str(free_even_port()), "-rtp_echo",
                timeout=30,
            )
        )  # fmt: skip
        await until(lambda: line.phone.state == "ringing", what="the softphone rings")
        await until(lambda: "ringing" in browser.states(), what="the browser hears 'ringing'")
        ringing = next(e for e in browser.events if e["state"] == "ringing")
        assert ringing["call"]["caller"] == "5551234" and ringing["call"]["call_id"].startswith("sip-")

        assert line.answer() is True  # the agent clicks "answer"
        await asyncio.wait_for(acd.bridged.wait(), 5)
        call_id = ringing["call"]["call_id"]
        assert ("answered", call_id, "agent-201") in acd.events
        # the tone goes to the caller, who echoes it; the echo comes back to the browser
        await until(lambda: line.pump.frames_to_switch > 50, what="microphone audio sent to the switch")
        await until(lambda: line.to_browser.frames_from_switch > 50, what="switch audio for the browser")
        await until(
            lambda: sum(level > 0.02 for level in browser.levels) > 10, what="the browser hears the tone"
        )
        assert line.pump.peak_level > 0.1  # the tone (RMS 0.17) reached the switch, not silence

        result = await asyncio.wait_for(caller, 40)  # the caller hangs up: the switch ends the softphone leg
        assert result.returncode == 0, str(result)
        await until(lambda: line.phone.state == "registered", what="back to idle")
        assert browser.states()[-1] == "registered"
        summary = switch.b2bua.history[-1] if switch.b2bua else None
        assert summary is not None and summary.call_id == call_id
        assert summary.relayed["to_caller"] > 50 and summary.relayed["to_agent"] > 50
    finally:
        await gateway.close_all()
    assert switch.registrar.lookup("201") == []  # turning it off unregisters


async def test_a_wrong_password_is_refused_and_nothing_stays_registered(
    make_switch: SwitchFactory, browser: Browser
) -> None:
    switch, _ = await make_switch()
    gateway = WebRtcGateway(lambda: ("127.0.0.1", switch.port))
    with pytest.raises(RegisterFailed, match="403"):
        await gateway.open(KEY, "201", "wrong", await browser.offer())
    assert gateway.lines == {} and switch.registrar.lookup("201") == []


async def test_hanging_up_in_the_browser_ends_the_call_at_the_switch(
    make_switch: SwitchFactory, sipp: Sipp, browser: Browser
) -> None:
    switch, acd = await make_switch()
    acd.ring = "agent-201"
    gateway = WebRtcGateway(lambda: ("127.0.0.1", switch.port))
    try:
        line, answer = await gateway.open(KEY, "201", "secret", await browser.offer())
        await browser.answer(answer)
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario("uac_bridged.xml", before_dtmf=500, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
                "-s", "100", f"127.0.0.1:{switch.port}", "-p", str(free_port()),
                "-mp", str(free_even_port()), "-rtp_echo",
                timeout=30,
            )
        )  # fmt: skip
        await until(lambda: line.phone.state == "ringing", what="the softphone rings")
        line.answer()
        await asyncio.wait_for(acd.bridged.wait(), 5)
        await asyncio.sleep(0.5)
        assert line.hangup() is True  # BYE to the switch: it reports the agent gone
        await until(lambda: any(e[0] == "agent_hung_up" for e in acd.events), what="agent_hung_up")
        assert line.phone.state == "registered"
        call_id = next(e[1] for e in acd.events if e[0] == "agent_hung_up")
        await switch.hangup("default", call_id)  # what the ACD would do: the caller gets a BYE
        result = await asyncio.wait_for(caller, 30)
        assert result.returncode == 0, str(result)
    finally:
        await gateway.close_all()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("softphone-live"))


async def test_through_the_platform_an_account_is_made_and_the_desktop_answer_picks_up(
    live: LiveSip, sipp: Sipp, browser: Browser
) -> None:
    """agent3 has no SIP account: turning the softphone on creates one (the extension, a random
    password); the call rings the softphone; the desktop's answer (POST /calls/{id}/answer)
    makes the softphone pick up; hanging up in the softphone ends the agent's part."""
    admin, agent, leader = (
        live.api("admin", "admin123"),
        live.api("agent3", "agent123"),
        live.api("leader", "leader123"),
    )
    try:
        removed = await admin.client.delete(f"/agents/{agent.user_id}/sip")
        assert removed.status_code == 204
        on = await agent.post("/softphone/session", {"type": "offer", "sdp": await browser.offer()})
        await browser.answer(on["sdp"])
        assert on["available"] is True and on["state"] == "registered" and on["username"] == "8003"
        phone = await agent.get(f"/agents/{agent.user_id}/sip")
        assert phone["username"] == "8003" and phone["registered"] is True
        assert live.container.sip is not None
        password = live.container.sip.directory.passwords["8003"]
        assert password != "agent123" and len(password) >= 20  # random, never shown to anyone

        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario("uac_bridged.xml", before_dtmf=700, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
                "-s", "100", f"127.0.0.1:{live.sip_port}", "-p", str(free_port()),
                "-mp", str(free_even_port()), "-rtp_echo",
                timeout=40,
            )
        )  # fmt: skip
        ringing = await agent.until("/softphone", lambda s: s["state"] == "ringing", timeout=20)
        call_id = ringing["call"]["call_id"]
        await agent.post(f"/calls/{call_id}/answer")  # the desktop's answer button
        await agent.until("/softphone", lambda s: s["state"] == "in_call")
        [call] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        assert call["id"] == call_id and call["agent_id"] == agent.user_id
        await until(
            lambda: sum(level > 0.02 for level in browser.levels) > 10, what="the browser hears the echo"
        )
        assert live.container.sip is not None
        switch_call = live.container.sip.switch.calls[call_id]
        await agent.post(f"/calls/{call_id}/hold")  # the switch owns the call: hold and retrieve work
        assert switch_call.phase.value == "held" and switch_call.relays == {}
        assert (await agent.get("/softphone"))["state"] == "in_call"
        await agent.post(f"/calls/{call_id}/retrieve")
        assert switch_call.phase.value == "bridged" and switch_call.relays
        heard = len(browser.levels)
        await until(lambda: sum(lv > 0.02 for lv in browser.levels[heard:]) > 10, what="audio after retrieve")

        await agent.post("/softphone/hangup")
        record = await leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "agent" and record["outcome"] == "handled"
        result = await asyncio.wait_for(caller, 60)  # the survey, then the caller's BYE
        assert result.returncode == 0, str(result)
        assert (await agent.get("/softphone"))["state"] == "registered"

        off = await agent.client.delete("/softphone/session")
        assert off.status_code == 204
        assert (await agent.get(f"/agents/{agent.user_id}/sip"))["registered"] is False
    finally:
        await agent.client.post("/agents/me/logout")
        for api in (admin, agent, leader):
            await api.aclose()


async def test_when_the_browser_goes_away_the_line_unregisters(
    make_switch: SwitchFactory, browser: Browser
) -> None:
    switch, _ = await make_switch()
    gateway = WebRtcGateway(lambda: ("127.0.0.1", switch.port))
    try:
        line, answer = await gateway.open(KEY, "201", "secret", await browser.offer())
        await browser.answer(answer)
        await until(lambda: line.pc.connectionState == "connected", what="WebRTC connected")
        assert switch.registrar.lookup("201")
        await browser.pc.close()  # the tab is closed, the laptop sleeps, the network drops
        await until(lambda: gateway.lines == {}, timeout=45, what="the gateway drops the line")
        assert switch.registrar.lookup("201") == []
    finally:
        await gateway.close_all()


async def test_ringing_stops_when_the_caller_gives_up_and_a_new_password_is_used(
    make_switch: SwitchFactory, sipp: Sipp, browser: Browser
) -> None:
    switch, acd = await make_switch()
    acd.ring = "agent-201"
    gateway = WebRtcGateway(lambda: ("127.0.0.1", switch.port))
    try:
        line, answer = await gateway.open(
            KEY, "201", lambda: switch.config.users["201"], await browser.offer()
        )
        await browser.answer(answer)
        result = await sipp.run(
            sipp.scenario(
                "uac_dtmf.xml", before_dtmf=500, hold_for=2500, dtmf_pcap=pcap("dtmf_2833_1.pcap")
            ),
            "-s", "100", f"127.0.0.1:{switch.port}", "-p", str(free_port()), "-mp", str(free_even_port()),
            timeout=20,
        )  # fmt: skip
        assert result.returncode == 0, str(result)  # it hung up while the softphone rang
        await until(lambda: line.phone.state == "registered", what="ringing stops (CANCEL)")
        assert "ringing" in browser.states() and browser.states()[-1] == "registered"
        assert any(e[0] == "failed" or e[0] == "caller_hung_up" for e in acd.events)

        switch.config.users["201"] = "changed-by-admin"  # PUT /agents/{id}/sip: live at once
        assert await line.phone.refresh() > 0  # the next refresh registers with the new password
        assert switch.registrar.lookup("201")
    finally:
        await gateway.close_all()
