"""Media and protocol on real sockets: 183 early media (ringback, the IVR before the answer),
RTCP reports both ways on a live call, DTMF by SIP INFO, and split recordings.

A caller here is a plain UDP socket for SIP and two for RTP/RTCP, so that each test can see
exactly what arrives when (the 183 before the 200, the ringback's frequency, our reports).
"""

from __future__ import annotations

import asyncio
import io
import socket
import time
import wave
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
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

from helpline.adapters.telephony.sip import g711, rtcp
from helpline.adapters.telephony.sip.message import Response, parse_message
from helpline.adapters.telephony.sip.rtp import RtpPacket
from helpline.adapters.telephony.sip.sdp import SessionDescription


def _socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


class RawCaller:
    """A caller made of sockets: SIP on one, RTP on an even port, RTCP on the next."""

    def __init__(self, switch_port: int) -> None:
        self.switch_port = switch_port
        self.sip = _socket()
        self.port = self.sip.getsockname()[1]
        media = free_even_port()
        self.rtp, self.rtcp = _socket(media), _socket(media + 1)
        self.media_port = media
        self.call_id = f"raw-{media}@test"
        self.to_tag = ""
        self.cseq = 1
        self.received: list[tuple[float, RtpPacket]] = []
        self.reports: list[rtcp.RtcpReport] = []
        self.responses: list[tuple[float, Response]] = []
        self._tasks = [asyncio.create_task(self._read_rtp()), asyncio.create_task(self._read_rtcp())]

    def _headers(self, method: str, cseq: int, branch: str) -> str:
        to = "<sip:100@127.0.0.1>" + (f";tag={self.to_tag}" if self.to_tag else "")
        return (
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch={branch};rport\r\n"
            f'From: "来电" <sip:13800138000@127.0.0.1>;tag=caller1\r\nTo: {to}\r\n'
            f"Call-ID: {self.call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
            f"Contact: <sip:13800138000@127.0.0.1:{self.port}>\r\n"
        )

    async def send(
        self,
        method: str,
        *,
        body: str = "",
        content_type: str = "",
        cseq: int | None = None,
        branch: str | None = None,
    ) -> None:
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        head = f"{method} sip:100@127.0.0.1:{self.switch_port} SIP/2.0\r\n"
        head += self._headers(method, cseq, branch or f"z9hG4bK-{method}-{cseq}")
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        data = f"{head}Content-Length: {len(body.encode())}\r\n\r\n{body}".encode()
        await asyncio.get_running_loop().sock_sendto(self.sip, data, ("127.0.0.1", self.switch_port))

    async def invite(self) -> None:
        sdp = (
            "v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {self.media_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
        )
        await self.send("INVITE", body=sdp, content_type="application/sdp", cseq=1, branch="z9hG4bK-inv1")

    async def response(self, status: int, method: str = "INVITE", timeout: float = 5.0) -> Response:
        """Wait for a response with ``status`` to ``method`` (all are kept in ``responses``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            data = await asyncio.wait_for(loop.sock_recv(self.sip, 65536), max(0.01, deadline - loop.time()))
            message = parse_message(data)
            if not isinstance(message, Response):
                continue
            self.responses.append((time.monotonic(), message))
            if message.to.tag:
                self.to_tag = message.to.tag
            if message.status == status and message.cseq.method == method:
                return message

    async def ack(self) -> None:
        await self.send("ACK", cseq=1, branch="z9hG4bK-ack1")

    async def _read_rtp(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await loop.sock_recv(self.rtp, 2048)
            packet = RtpPacket.parse(data)
            if packet is not None:
                self.received.append((time.monotonic(), packet))

    async def _read_rtcp(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await loop.sock_recv(self.rtcp, 2048)
            report = rtcp.parse(data)
            if report is not None:
                self.reports.append(report)

    def audio(self, *, before: float | None = None) -> np.ndarray:
        payloads = [p.payload for at, p in self.received if p.pt == 0 and (before is None or at < before)]
        return g711.decode(b"".join(payloads), "PCMU").astype(np.float64)

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for sock in (self.sip, self.rtp, self.rtcp):
            sock.close()


def peak_frequencies(pcm: np.ndarray, count: int) -> list[float]:
    """The ``count`` strongest frequencies (Hz, 10 Hz resolution) of 8 kHz audio."""
    spectrum = np.abs(np.fft.rfft(pcm))
    freqs = np.fft.rfftfreq(len(pcm), 1 / 8000)
    peaks: list[float] = []
    for index in np.argsort(spectrum)[::-1]:
        if all(abs(freqs[index] - p) > 15 for p in peaks):
            peaks.append(float(freqs[index]))
        if len(peaks) == count:
            break
    return sorted(peaks)


CallerFactory = Callable[[int], RawCaller]


@pytest.fixture
async def caller_factory() -> AsyncIterator[CallerFactory]:
    made: list[RawCaller] = []

    def make(port: int) -> RawCaller:
        made.append(RawCaller(port))
        return made[-1]

    yield make
    for caller in made:
        caller.close()


# -- 183 early media -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tenant_tone", "expected"), [("", [450.0]), ("us", [440.0, 480.0])], ids=["china-450hz", "us-440-480hz"]
)
async def test_ringback_in_early_media_then_the_answer(
    make_switch: SwitchFactory, caller_factory: CallerFactory, tenant_tone: str, expected: list[float]
) -> None:
    switch, acd = await make_switch(
        early_media="ringback",
        early_media_seconds=1.2,
        ringback_by_tenant={"default": tenant_tone} if tenant_tone else {},
    )
    caller = caller_factory(switch.port)
    await caller.invite()
    progress = await caller.response(183)
    assert progress.content_type == "application/sdp" and progress.to.tag
    early_sdp = SessionDescription.parse(progress.body).audio()
    assert early_sdp is not None and early_sdp.port > 0
    ok = await caller.response(200)
    answered_at = caller.responses[-1][0]
    assert ok.body == progress.body, "the 200 repeats the 183's SDP (no 100rel)"
    assert ok.to.tag == progress.to.tag
    await caller.ack()
    tone = caller.audio(before=answered_at)
    assert len(tone) >= 8000 * 0.8, "the ringback was heard before the answer"
    loud = tone[np.abs(tone) > 500]
    assert len(loud) > 4000  # the first second of the cadence is on
    assert peak_frequencies(tone, len(expected)) == pytest.approx(expected, abs=12)
    # after the answer the IVR runs as before: the prompt plays, a key press routes the call
    await asyncio.sleep(0.3)
    await caller.send("INFO", body="Signal=1\r\nDuration=160\r\n", content_type="application/dtmf-relay")
    arrived = await asyncio.wait_for(acd.arrived.get(), 5)
    assert arrived.digits == "1" and arrived.caller == "13800138000"
    await caller.send("BYE")
    await caller.response(200, "BYE")


async def test_the_ivr_plays_in_early_media_and_the_answer_comes_when_it_hands_over(
    make_switch: SwitchFactory, caller_factory: CallerFactory
) -> None:
    switch, acd = await make_switch(early_media="ivr")
    caller = caller_factory(switch.port)
    await caller.invite()
    await caller.response(183)
    await asyncio.sleep(0.5)  # the prompt (two beeps) is playing, unanswered
    assert not any(r.status == 200 for _, r in caller.responses)
    heard = caller.audio()
    assert len(heard) > 8000 * 0.3 and peak_frequencies(heard, 1) == pytest.approx([880.0], abs=12)
    # a key as RFC 4733 events in early media picks the queue; then the switch answers
    assert switch.b2bua is not None
    call = next(iter(switch.calls.values()))
    remote = ("127.0.0.1", call.caller_leg.rtp.port)
    for i, end in enumerate((False, False, True, True, True)):
        event = bytes([1, (0x80 if end else 0) | 10]) + (160 * (i + 1)).to_bytes(2, "big")
        packet = RtpPacket(101, 100 + i, 8000, 0x1234, event, marker=i == 0)
        caller.rtp.sendto(packet.to_bytes(), remote)
    ok = await caller.response(200)
    assert ok.content_type == "application/sdp"
    await caller.ack()
    arrived = await asyncio.wait_for(acd.arrived.get(), 5)
    assert arrived.digits == "1"
    await caller.send("BYE")
    await caller.response(200, "BYE")


async def test_cancel_during_early_media_ends_the_call(
    make_switch: SwitchFactory, caller_factory: CallerFactory
) -> None:
    switch, acd = await make_switch(early_media="ringback", early_media_seconds=10)
    caller = caller_factory(switch.port)
    await caller.invite()
    await caller.response(183)
    await asyncio.sleep(0.3)
    assert caller.received, "ringback flows"
    await caller.send("CANCEL", cseq=1, branch="z9hG4bK-inv1")
    await caller.response(200, "CANCEL")
    await caller.response(487)
    await asyncio.sleep(0.3)
    assert switch.calls == {} and switch.stats()["rtp_ports_in_use"] == 0
    assert acd.arrived.empty()


# -- RTCP on a live call -------------------------------------------------------------------------


async def test_rtcp_reports_flow_both_ways_and_land_in_the_call_summary(
    make_switch: SwitchFactory, caller_factory: CallerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rtcp, "MIN_INTERVAL", 0.5)  # 5 s on a real line
    switch, _ = await make_switch()
    caller = caller_factory(switch.port)
    await caller.invite()
    await caller.response(200)
    await caller.ack()
    call = next(iter(switch.calls.values()))
    session = call.caller_leg.rtp
    # the caller talks (PCMU silence frames) and reports on what it hears (RR about the switch)
    for seq in range(60):
        packet = RtpPacket(0, seq, seq * 160, 0xC0FFEE, b"\xff" * 160)
        if seq != 30:  # one packet lost on the way
            caller.rtp.sendto(packet.to_bytes(), ("127.0.0.1", session.port))
        if seq % 25 == 24 and caller.received:
            block = rtcp.ReportBlock(session.ssrc, 0, 2, caller.received[-1][1].seq, 40)
            caller.rtcp.sendto(
                rtcp.build_report(0xC0FFEE, [block], None, "raw@test"), ("127.0.0.1", session.port + 1)
            )
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.8)
    assert caller.reports, "the switch sent RTCP to the SDP port + 1"
    sr = caller.reports[-1]
    assert sr.ssrc == session.ssrc and sr.sender is not None and sr.sender.packets > 0
    assert sr.cname and sr.cname.startswith("helpline-")
    mine = [b for b in sr.blocks if b.ssrc == 0xC0FFEE]
    assert mine and mine[0].cumulative_lost == 1 and mine[0].highest_seq == 59
    await caller.send("BYE")
    await caller.response(200, "BYE")
    await asyncio.sleep(0.2)
    assert caller.reports[-1].bye, "a BYE report goes out when the leg closes"
    summary = switch.b2bua.history[-1] if switch.b2bua else None
    assert summary is not None
    quality = summary.rtp["caller"].quality()
    assert quality["packets_received"] == 59 and quality["packets_lost"] == 1
    assert quality["rtcp_received"] >= 2 and quality["remote_packets_lost"] == 2
    assert quality["remote_jitter_ms"] == 5.0 and quality["codec"] == "PCMU"


# -- split recordings ----------------------------------------------------------------------------


def read_wav(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        channels = wav.getnchannels()
        assert (wav.getframerate(), wav.getsampwidth()) == (8000, 2)
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return channels, data.reshape(-1, channels)


async def register_phone(switch_port: int, sipp: Sipp, extension: str = "201") -> int:
    port = free_port()
    result = await sipp.run(
        sipp.scenario("register.xml", expect=200),
        "-s",
        extension,
        "-au",
        extension,
        "-ap",
        "secret",
        f"127.0.0.1:{switch_port}",
        "-p",
        str(port),
    )
    assert result.returncode == 0, str(result)
    return port


async def talk(caller: RawCaller, remote_port: int, seconds: float, freq: float = 300.0) -> None:
    """The caller says a steady tone (PCMU, 20 ms frames)."""
    t = np.arange(160) / 8000
    for i in range(int(seconds * 50)):
        frame = (np.sin(2 * np.pi * freq * (t + i * 0.02)) * 8000).astype(np.int16)
        packet = RtpPacket(0, i, i * 160, 0xCA11E4, g711.encode(frame, "PCMU"))
        caller.rtp.sendto(packet.to_bytes(), ("127.0.0.1", remote_port))
        await asyncio.sleep(0.02)


@needs_sipp
@pytest.mark.parametrize("mode", ["stereo", "mono"])
async def test_both_directions_recorded_apart_where_the_tenant_asks(
    make_switch: SwitchFactory, caller_factory: CallerFactory, sipp: Sipp, tmp_path: Path, mode: str
) -> None:
    switch, acd = await make_switch(
        recording_dir=str(tmp_path / "rec"), split_recording_by_tenant={"default": mode}
    )
    acd.ring = "agent-201"
    agent_port = await register_phone(switch.port, sipp)
    agent = asyncio.create_task(
        sipp.run(
            sipp.scenario("uas_agent.xml", ring_for=100, audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(agent_port),
            "-mp",
            str(free_even_port()),
        )
    )
    caller = caller_factory(switch.port)
    await caller.invite()
    await caller.response(200)
    await caller.ack()
    await caller.send("INFO", body="1", content_type="application/dtmf")
    await asyncio.wait_for(acd.bridged.wait(), 10)
    call = next(iter(switch.calls.values()))
    await talk(caller, call.caller_leg.rtp.port, 1.5)
    await switch.hangup("default", call.call_id)
    result = await asyncio.wait_for(agent, 15)
    assert result.returncode == 0, str(result)
    summary = switch.b2bua.history[-1] if switch.b2bua else None
    assert summary is not None
    [mixed] = summary.recordings
    kinds = dict(summary.split_recordings)
    assert set(kinds) == ({"stereo"} if mode == "stereo" else {"caller", "agent"})
    if mode == "stereo":
        channels, frames = read_wav(kinds["stereo"])
        assert channels == 2
        left, right = frames[:, 0].astype(np.float64), frames[:, 1].astype(np.float64)
    else:
        (c1, left2), (c2, right2) = read_wav(kinds["caller"]), read_wav(kinds["agent"])
        assert c1 == c2 == 1
        left, right = left2[:, 0].astype(np.float64), right2[:, 0].astype(np.float64)
    _, mix = read_wav(mixed)
    assert len(left) == len(right) == len(mix), "split files are on the call's timeline"
    assert np.abs(left).max() > 2000 and np.abs(right).max() > 1000, "both sides have audio"
    assert peak_frequencies(left, 1) == pytest.approx([300.0], abs=5)  # the caller's tone, left
    assert np.abs(left - right).max() > 1000  # the sides differ: the agent's pcap is not the tone
    both = np.clip(left + right, -32768, 32767)
    assert np.abs(both - mix[:, 0]).max() <= 2, "the mix is the sum of the two sides"


# -- through the platform: stored with the call, served by the API and /metrics ------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    # the tenant's recordings are split too: set as the platform's settings are (env or TOML)
    yield from start_live_sip(
        tmp_path_factory.mktemp("sip-media"), sip_split_recording_by_tenant={"default": "stereo"}
    )


@needs_sipp
async def test_quality_and_split_recordings_are_kept_with_the_call(live: LiveSip, sipp: Sipp) -> None:
    assert live.container.sip is not None
    assert live.container.sip.switch.config.split_recording_by_tenant == {"default": "stereo"}
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        phone_port = free_port()
        result = await sipp.run(
            sipp.scenario("register.xml", expect=200),
            "-s",
            "8001",
            "-au",
            "8001",
            "-ap",
            "agent123",
            f"127.0.0.1:{live.sip_port}",
            "-p",
            str(phone_port),
        )
        assert result.returncode == 0, str(result)
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        phone = asyncio.create_task(
            sipp.run(
                sipp.scenario("uas_agent.xml", ring_for=200, audio_pcap=pcap("g711a.pcap")),
                "-p",
                str(phone_port),
                "-mp",
                str(free_even_port()),
            )
        )
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario(
                    "uac_dtmf.xml", before_dtmf=700, hold_for=2500, dtmf_pcap=pcap("dtmf_2833_1.pcap")
                ),
                "-s",
                "100",
                f"127.0.0.1:{live.sip_port}",
                "-p",
                str(free_port()),
                "-mp",
                str(free_even_port()),
                "-rtp_echo",
            )
        )
        talking = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        call_id = next(c["id"] for c in talking if c["state"] == "talking")
        for task in (caller, phone):
            result = await asyncio.wait_for(task, 30)
            assert result.returncode == 0, str(result)

        recordings = await agent.until(f"/calls/{call_id}/recordings", lambda r: len(r) == 2)
        assert [r["kind"] for r in recordings] == ["call", "stereo"]
        response = await agent.client.get(f"/calls/{call_id}/recording", params={"kind": "stereo"})
        assert response.status_code == 200
        with wave.open(io.BytesIO(response.content)) as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 2, 2)
            frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
        assert np.abs(frames[:, 0]).max() > 100 and np.abs(frames[:, 1]).max() > 100  # both sides spoke

        quality = await agent.until(f"/calls/{call_id}/quality", lambda q: len(q["legs"]) == 2)
        legs = {leg["role"]: leg for leg in quality["legs"]}
        assert set(legs) == {"caller", "agent"} and legs["agent"]["leg"] == agent.user_id
        for leg in legs.values():
            assert leg["packets_received"] > 50 and leg["packets_sent"] > 50
            assert leg["packets_lost"] == 0 and leg["jitter_ms"] < 50 and leg["codec"] in ("PCMU", "PCMA")
            assert leg["rtcp_sent"] >= 1  # at least the BYE report (sipp sends no RTCP back)
            assert leg["remote_packets_lost"] is None
        missing = await agent.client.get("/calls/sip-0000000000000000/quality")
        assert missing.status_code == 404

        metrics = httpx.get(f"{live.base_url}/metrics", timeout=10).text
        assert 'helpline_rtp_packets_received_total{role="caller",tenant="default"}' in metrics
        assert 'helpline_rtp_legs_total{role="agent",tenant="default"}' in metrics
        assert "helpline_rtp_live_legs" in metrics
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()
