"""The softphone's media bridge on real UDP sockets: the browser's 48 kHz stereo microphone
becomes 8 kHz G.711 packets of 20 ms with the same tone; the switch's packets become paced
20 ms frames for aiortc, silence when nothing came, and nothing at all before the answer."""

from __future__ import annotations

import asyncio
import fractions
import itertools
import socket

import numpy as np
import pytest

pytest.importorskip("aiortc", reason="the browser softphone needs aiortc (pip install aiortc)")

from av import AudioFrame

from helpline.adapters.telephony.sip import g711, sdp
from helpline.adapters.telephony.sip.rtp import RtpPacket, RtpSession
from helpline.adapters.webrtc.audio import MicrophonePump, SwitchAudioTrack, level
from helpline.adapters.webrtc.sip_phone import open_rtp


def plan_to(port: int, codec: tuple[int, str] = (0, "PCMU")) -> sdp.AudioPlan:
    body = sdp.build("127.0.0.1", port, session_id=1, version=1, codecs=[codec], dtmf_pt=101)
    plan = sdp.negotiate(sdp.SessionDescription.parse(body))
    assert plan is not None
    return plan


def tone(hz: float, start: int, samples: int, rate: int) -> np.ndarray:
    t = (np.arange(samples) + start) / rate
    return (np.sin(2 * np.pi * hz * t) * 10000).astype(np.int16)


def dominant_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.argmax(spectrum) * rate / len(pcm))


async def test_the_microphone_goes_to_the_switch_as_8khz_g711_in_20ms_packets() -> None:
    far = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    far.bind(("127.0.0.1", 0))
    far.setblocking(False)
    rtp = await open_rtp("127.0.0.1")
    rtp.set_remote(plan_to(far.getsockname()[1], (8, "PCMA")))
    pump = MicrophonePump(lambda: rtp)
    try:
        for i in range(25):  # half a second of 48 kHz stereo, as a browser's Opus decodes it
            mono = tone(1000, i * 960, 960, 48000)
            frame = AudioFrame.from_ndarray(np.repeat(mono, 2).reshape(1, -1), format="s16", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48000, i * 960, fractions.Fraction(1, 48000)
            pump.feed(frame)
        packets = []
        loop = asyncio.get_running_loop()
        while len(packets) < pump.frames_to_switch:
            data = await asyncio.wait_for(loop.sock_recv(far, 2048), 2)
            packet = RtpPacket.parse(data)
            if packet is not None:
                packets.append(packet)
        assert 20 <= len(packets) <= 25  # the resampler keeps a few samples back
        assert {p.pt for p in packets} == {8} and {len(p.payload) for p in packets} == {160}
        assert all((b.timestamp - a.timestamp) % 2**32 == 160 for a, b in itertools.pairwise(packets))
        pcm = np.concatenate([g711.decode(p.payload, "PCMA") for p in packets[2:]])
        assert abs(dominant_hz(pcm, 8000) - 1000) < 20 and level(pcm) > 0.15
        assert pump.peak_level > 0.15
    finally:
        rtp.close()
        far.close()


async def test_nothing_is_sent_to_the_browser_before_the_answer() -> None:
    track = SwitchAudioTrack()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(track.recv(), 0.2)
    track.stop()


async def test_the_switch_audio_becomes_paced_frames_then_silence() -> None:
    near: RtpSession = await open_rtp("127.0.0.1")
    near.set_remote(plan_to(9))  # where we would send; this test only receives
    track = SwitchAudioTrack()
    track.attach(near)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sent = [tone(440, i * 160, 160, 8000) for i in range(5)]
        for i, pcm in enumerate(sent):
            packet = RtpPacket(0, i, i * 160, 1234, g711.encode(pcm, "PCMU"))
            sender.sendto(packet.to_bytes(), ("127.0.0.1", near.port))
        dtmf = RtpPacket(101, 9, 900, 1234, b"\x01\x0a\x00\xa0")  # an RFC 4733 event: not audio
        sender.sendto(dtmf.to_bytes(), ("127.0.0.1", near.port))
        for _ in range(50):
            if track.frames_from_switch == len(sent):
                break
            await asyncio.sleep(0.02)
        assert track.frames_from_switch == len(sent)
        track.start_sending()  # answered
        loop = asyncio.get_running_loop()
        started = loop.time()
        frames = [await track.recv() for _ in range(8)]
        elapsed = loop.time() - started
        assert 0.1 <= elapsed < 1.0  # paced: about 20 ms apart (loose: a shared machine)
        assert [f.samples for f in frames] == [160] * 8 and frames[0].sample_rate == 8000
        assert [f.pts for f in frames] == [i * 160 for i in range(8)]
        heard = [f.to_ndarray().reshape(-1) for f in frames]
        for pcm, got in zip(sent, heard, strict=False):
            assert np.array_equal(got, g711.decode(g711.encode(pcm, "PCMU"), "PCMU"))
        assert all(not got.any() for got in heard[5:])  # then silence, not a stall
        track.attach(None)  # the call is over: nothing more goes to the browser
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(track.recv(), 0.2)
    finally:
        track.stop()
        near.close()
        sender.close()
