"""Media: G.711 tables, RTP packets and statistics, RFC 4733 events, SDP offer/answer, WAV
files, the IVR's digit collection, and two RTP sessions talking over loopback."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from typing import cast

import numpy as np
import pytest

from helpline.adapters.telephony.sip import g711, sdp
from helpline.adapters.telephony.sip.conference import Conference
from helpline.adapters.telephony.sip.dtmf import DtmfDetector, DtmfEvent, dtmf_from_info
from helpline.adapters.telephony.sip.ivr import IvrSession, MenuConfig, menu
from helpline.adapters.telephony.sip.leg import Leg
from helpline.adapters.telephony.sip.media import (
    WavRecorder,
    demo_prompt,
    load_wav,
    mix,
    play,
    save_wav,
    tone,
)
from helpline.adapters.telephony.sip.message import Request
from helpline.adapters.telephony.sip.rtp import PortPool
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket
from helpline.adapters.telephony.sip.rtp_stats import SourceStats

ALL = np.arange(-32768, 32768, dtype=np.int16)

# -- G.711 -------------------------------------------------------------------------------------


def test_g711_known_codes() -> None:
    zero = np.zeros(1, dtype=np.int16)
    assert g711.encode(zero, "PCMU") == b"\xff" and g711.encode(zero, "PCMA") == b"\xd5"
    assert g711.encode(np.array([32767, -32768], dtype=np.int16), "PCMU") == b"\x80\x00"
    assert list(g711.decode(b"\x80\x00\xff\x7f", "PCMU")) == [32124, -32124, 0, 0]
    assert list(g711.decode(b"\xd5\x55\xaa\x2a", "PCMA")) == [8, -8, 32256, -32256]


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_g711_round_trip_error_is_within_the_quantisation_step(codec: str) -> None:
    back = g711.decode(g711.encode(ALL, codec), codec).astype(np.int32)
    error = np.abs(back - ALL.astype(np.int32))
    # G.711 is logarithmic: the step grows with the level, about 1/16 of it at worst
    assert np.all(error <= np.maximum(16, np.abs(ALL.astype(np.int32)) // 15))
    assert g711.transcode(g711.encode(ALL[::97], codec), codec, codec) == g711.encode(ALL[::97], codec)


def test_g711_matches_audioop_when_available() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    raw = ALL.tobytes()
    assert g711.encode(ALL, "PCMU") == audioop.lin2ulaw(raw, 2)
    assert g711.encode(ALL, "PCMA") == audioop.lin2alaw(raw, 2)
    codes = bytes(range(256))
    assert g711.decode(codes, "PCMU").tobytes() == audioop.ulaw2lin(codes, 2)
    assert g711.decode(codes, "PCMA").tobytes() == audioop.alaw2lin(codes, 2)


# -- RTP and RFC 4733 ---------------------------------------------------------------------------


def test_rtp_packet_round_trip_and_odd_headers() -> None:
    packet = RtpPacket(
        pt=8, seq=65535, timestamp=2**32 - 1, ssrc=0xDEADBEEF, payload=b"\x01" * 160, marker=True
    )
    assert RtpPacket.parse(packet.to_bytes()) == packet
    # two CSRCs, a header extension and 3 bytes of padding
    fixed = bytes([0xB2, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3])
    header = fixed + b"\x00" * 8 + b"\xbe\xde\x00\x01" + b"\x00" * 4
    parsed = RtpPacket.parse(header + b"data" + b"\x00\x00\x03")
    assert parsed is not None and parsed.payload == b"data"
    assert RtpPacket.parse(b"\x80\xc8" + b"\x00" * 10) is None  # RTCP sender report
    assert RtpPacket.parse(b"\x00" * 12) is None and RtpPacket.parse(b"\x80") is None


def test_dtmf_event_is_reported_once_per_timestamp() -> None:
    detector = DtmfDetector()
    digits = []
    for ts, event, end in [
        (100, 5, False),
        (100, 5, False),
        (100, 5, True),
        (100, 5, True),
        (900, 11, False),
        (900, 11, True),
        (1700, 5, True),
    ]:
        payload = DtmfEvent(event, end, 10, 800).to_bytes()
        digit = detector.feed(RtpPacket(101, 1, ts, 42, payload))
        if digit:
            digits.append(digit)
    assert digits == ["5", "#", "5"]
    assert DtmfEvent.parse(b"\x01\x8a\x08\xc0") == DtmfEvent(1, True, 10, 2240)


def test_loss_and_jitter_statistics() -> None:
    stats = SourceStats(base_seq=65530, max_seq=65530)
    arrival = 0
    for seq in [65530, 65531, 65533, 65534, 0, 1, 5]:  # 65532, 2, 3, 4 lost, across the wrap
        stats.update(RtpPacket(0, seq, seq * 160, 1, b""), arrival)
        arrival += 160
    assert stats.expected == 12 and stats.received == 7 and stats.lost == 5
    assert stats.jitter >= 0


def test_dtmf_in_sip_info() -> None:
    for content_type, body, digit in [
        ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", "5"),
        ("application/dtmf-relay", "Signal=11\r\n", "#"),
        ("application/dtmf", "*", "*"),
        ("text/plain", "5", None),
        ("application/dtmf-relay", "Signal=55\r\n", None),
    ]:
        request = Request(method="INFO", uri="sip:a@b", body=body.encode())
        request.headers.add("Content-Type", content_type)
        assert dtmf_from_info(request) == digit


# -- SDP --------------------------------------------------------------------------------------

OFFER = (
    b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    b"m=video 5000 RTP/AVP 31\r\nm=audio 4000 RTP/AVP 18 8 0 96\r\nc=IN IP4 192.0.2.2\r\n"
    b"a=rtpmap:18 G729/8000\r\na=rtpmap:96 telephone-event/8000\r\na=sendonly\r\n"
)


def test_negotiate_picks_the_first_g711_and_the_event_type() -> None:
    plan = sdp.negotiate(sdp.SessionDescription.parse(OFFER))
    assert plan == sdp.AudioPlan("192.0.2.2", 4000, "PCMA", 8, 96, "sendonly")
    assert plan.on_hold and sdp.answer_direction(plan.direction) == "recvonly"


def test_negotiate_refuses_what_it_cannot_speak() -> None:
    g729_only = OFFER.replace(b"18 8 0 96", b"18")
    assert sdp.negotiate(sdp.SessionDescription.parse(g729_only)) is None
    wideband = (
        OFFER.replace(b"18 8 0 96", b"97")
        .replace(b"G729/8000", b"X")
        .replace(b"a=rtpmap:96", b"a=rtpmap:97 PCMU/16000\r\na=rtpmap:96")
    )
    assert sdp.negotiate(sdp.SessionDescription.parse(wideband)) is None
    with pytest.raises(sdp.SdpError):
        sdp.SessionDescription.parse(b"o=missing version\r\n")


def test_build_then_parse() -> None:
    body = sdp.build("127.0.0.1", 20000, session_id=7, version=2, codecs=[(0, "PCMU"), (8, "PCMA")])
    plan = sdp.negotiate(sdp.SessionDescription.parse(body))
    assert plan == sdp.AudioPlan("127.0.0.1", 20000, "PCMU", 0, 101, "sendrecv")
    held = sdp.build("0.0.0.0", 20000, session_id=7, version=3, codecs=[(0, "PCMU")])
    held_plan = sdp.negotiate(sdp.SessionDescription.parse(held))
    assert held_plan is not None and held_plan.on_hold


# -- WAV and mixing ------------------------------------------------------------------------------


def test_wav_round_trip_and_format_check(tmp_path: Path) -> None:
    pcm = tone((440.0,), 0.5)
    save_wav(tmp_path / "a.wav", pcm)
    assert np.array_equal(load_wav(tmp_path / "a.wav"), pcm)
    import wave

    with wave.open(str(tmp_path / "b.wav"), "wb") as wav:
        wav.setparams((1, 2, 16000, 0, "NONE", "not compressed"))
        wav.writeframes(b"\x00\x00" * 100)
    with pytest.raises(ValueError, match="8 kHz"):
        load_wav(tmp_path / "b.wav")


def test_recorder_and_mix(tmp_path: Path) -> None:
    recorder = WavRecorder(tmp_path / "rec" / "call.wav")
    recorder.write(np.full(160, 1000, dtype=np.int16))
    recorder.write(np.full(160, -1000, dtype=np.int16))
    recorder.close()
    assert recorder.seconds == 0.04 and len(load_wav(recorder.path)) == 320
    loud = np.full(160, 30000, dtype=np.int16)
    assert mix([loud, loud])[0] == 32767 and mix([loud, -loud])[0] == 0 and mix([])[0] == 0


# -- a live RTP session pair, and the IVR on top of it --------------------------------------------


async def test_rtp_sessions_exchange_audio_and_digits() -> None:
    pool = PortPool(47000, 47100)
    a, b = await pool.open("127.0.0.1"), await pool.open("127.0.0.1")
    try:
        a.set_remote(sdp.AudioPlan("127.0.0.1", b.port, "PCMU", 0, 101, "sendrecv"))
        b.set_remote(sdp.AudioPlan("127.0.0.1", a.port, "PCMU", 0, 101, "sendrecv"))
        heard: list[str] = []
        b.on_dtmf = heard.append
        await asyncio.wait_for(play(a, demo_prompt()), 5)  # 0.7 s: 35 frames of 20 ms
        for end in (False, True, True, True):
            a.send_dtmf(DtmfEvent(9, end, 10, 400), timestamp=12345)
        await asyncio.sleep(0.1)
        assert b.stats.packets_received >= 35 + 4 and b.stats.lost == 0
        assert heard == ["9"] and b.stats.dtmf_digits == "9"
        assert a.stats.packets_sent == b.stats.packets_received
        assert b.latched and b.remote == ("127.0.0.1", a.port)
        assert pool.in_use == 2
    finally:
        pool.release(a)
        pool.release(b)
    assert pool.in_use == 0


async def test_ivr_collects_digits_with_barge_in_terminator_and_timeouts() -> None:
    pool = PortPool(47200, 47300)
    rtp = await pool.open("127.0.0.1")
    try:
        session = IvrSession(rtp, caller="5551234", callee="100")
        flow = menu(MenuConfig(tone((440.0,), 5.0), max_digits=4, first_timeout=1.0, inter_digit_timeout=0.3))
        task = asyncio.create_task(flow(session))
        await asyncio.sleep(0.1)
        for digit in "12#9":
            session.dtmf(digit)  # the first stops the 5 s prompt
        assert await asyncio.wait_for(task, 2) == "12"
        assert await session.collect(3, 0.2, 0.2) == "9"  # left in the queue after the terminator
        assert await session.collect(3, 0.1, 0.1) == ""  # nothing pressed: the first timeout
    finally:
        pool.release(rtp)


class _FakeRtp:
    def __init__(self) -> None:
        self.sent: list[np.ndarray] = []

    def send_pcm(self, pcm: np.ndarray) -> None:
        self.sent.append(pcm)


class _FakeLeg:
    live = True

    def __init__(self) -> None:
        self.rtp = _FakeRtp()


@pytest.mark.parametrize(
    ("mode", "caller_hears_s", "agent_hears_s"),
    [("listen", False, False), ("whisper", False, True), ("barge", True, True), ("intercept", True, True)],
)
def test_conference_mixes_what_each_party_may_hear(
    mode: str, caller_hears_s: bool, agent_hears_s: bool
) -> None:
    conference = Conference()
    legs = {key: _FakeLeg() for key in ("caller", "a1", "s1")}
    for key, role in (("caller", "caller"), ("a1", "agent"), ("s1", "supervisor")):
        conference.add(key, role, cast(Leg, legs[key]), mode if role == "supervisor" else None)
    levels = {"caller": 100, "a1": 1000, "s1": 10000}
    for key, level in levels.items():
        conference.participants[key].feed(np.full(160, level, dtype=np.int16))
    conference.tick()
    heard = {key: int(leg.rtp.sent[-1][0]) for key, leg in legs.items()}
    assert heard["s1"] == 1100  # the supervisor always hears caller and agent, never itself
    assert heard["caller"] == 1000 + (10000 if caller_hears_s else 0)
    assert heard["a1"] == 100 + (10000 if agent_hears_s else 0)
    conference.tick()  # nothing buffered: silence, still sent every 20 ms
    assert all(int(leg.rtp.sent[-1][0]) == 0 for leg in legs.values())
