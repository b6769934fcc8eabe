"""Media and protocol on real sockets: 183 early media (ringback, the IVR before the answer),
RTCP reports both ways on a live call, and DTMF by SIP INFO. Split recordings are in
``test_sip_split_recordings.py``.

A caller here is a plain UDP socket for SIP and two for RTP/RTCP (``rawcaller.py``), so that
each test can see exactly what arrives when (the 183 before the 200, the ringback's
frequency, our reports).
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from rawcaller import CallerFactory, caller_factory_fixture, peak_frequencies  # noqa: F401  (fixtures)
from sipharness import SwitchFactory, make_switch_fixture  # noqa: F401  (fixtures)

from helpline.adapters.telephony.sip import rtcp
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket
from helpline.adapters.telephony.sip.sdp import SessionDescription

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
