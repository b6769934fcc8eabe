"""Audio between a SIP leg's RTP (G.711, 8 kHz, 20 ms) and aiortc's tracks.

Towards the browser, :class:`SwitchAudioTrack` decodes the switch's G.711 frames into a short
queue and hands aiortc one 20 ms frame of 8 kHz PCM on a steady clock (silence while the
switch sends nothing, e.g. on hold); aiortc's encoder resamples to Opus's 48 kHz itself.
It sends nothing while there is no call, so the browser's packet counters mean a call.
From the browser, :func:`pump_to_rtp` resamples the decoded microphone frames (48 kHz,
usually stereo) to 8 kHz mono with PyAV and sends them in 160-sample G.711 packets.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
from collections import deque
from collections.abc import Callable

import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, AudioResampler

from helpline.adapters.telephony.sip import g711
from helpline.adapters.telephony.sip.rtp import SAMPLES_PER_FRAME, RtpSession
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket

RATE = 8000
FRAME_SECONDS = SAMPLES_PER_FRAME / RATE
MAX_QUEUED = 8  # 160 ms: more means the far end sends faster than real time; drop the oldest


def pcm_frame(pcm: np.ndarray, pts: int) -> AudioFrame:
    frame = AudioFrame.from_ndarray(pcm.reshape(1, -1).astype(np.int16), format="s16", layout="mono")
    frame.sample_rate = RATE
    frame.pts = pts
    frame.time_base = fractions.Fraction(1, RATE)
    return frame


def level(pcm: np.ndarray) -> float:
    """RMS of 16-bit samples, 0..1 (for meters and tests)."""
    if pcm.size == 0:
        return 0.0
    return float(np.sqrt(np.mean((pcm.astype(np.float64) / 32768.0) ** 2)))


class SwitchAudioTrack(MediaStreamTrack):
    """What the browser hears: the switch's audio for the current call."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._frames: deque[np.ndarray] = deque(maxlen=MAX_QUEUED)
        self._active = asyncio.Event()
        self._rtp: RtpSession | None = None
        self._pts = 0
        self._next: float | None = None
        self.frames_from_switch = 0

    def attach(self, rtp: RtpSession | None) -> None:
        """Take audio from ``rtp`` (a call started ringing) or stop (None: the call is over)."""
        if self._rtp is not None:
            self._rtp.on_packet = None
        self._rtp = rtp
        self._frames.clear()
        if rtp is None:
            self._active.clear()
            self._next = None
            return
        rtp.on_packet = self._packet

    def start_sending(self) -> None:
        """The call is answered: send to the browser from now on."""
        self._active.set()

    def _packet(self, packet: RtpPacket) -> None:
        rtp = self._rtp
        if rtp is None or rtp.plan is None or packet.pt != rtp.plan.pt:
            return  # DTMF events, comfort noise: not audio
        self._frames.append(g711.decode(packet.payload, rtp.plan.codec))
        self.frames_from_switch += 1

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        await self._active.wait()
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._next is None or now - self._next > 0.5:  # (re)start the clock after a pause
            self._next = now
        else:
            await asyncio.sleep(max(0.0, self._next - now))
        self._next += FRAME_SECONDS
        pcm = self._frames.popleft() if self._frames else np.zeros(SAMPLES_PER_FRAME, dtype=np.int16)
        frame = pcm_frame(pcm, self._pts)
        self._pts += SAMPLES_PER_FRAME
        return frame


class MicrophonePump:
    """Moves the browser's microphone to the switch: resample to 8 kHz mono, cut into 20 ms
    G.711 packets, send them on the current call's RTP session (dropped while none)."""

    def __init__(self, rtp: Callable[[], RtpSession | None]) -> None:
        self._rtp = rtp
        self._resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
        self._buffer = np.zeros(0, dtype=np.int16)
        self.frames_to_switch = 0
        self.peak_level = 0.0  # the loudest 20 ms sent to the switch (RMS, 0..1)

    def feed(self, frame: AudioFrame) -> None:
        for out in self._resampler.resample(frame):
            samples = out.to_ndarray().reshape(-1).astype(np.int16)
            self._buffer = np.concatenate([self._buffer, samples])
        while self._buffer.size >= SAMPLES_PER_FRAME:
            chunk, self._buffer = self._buffer[:SAMPLES_PER_FRAME], self._buffer[SAMPLES_PER_FRAME:]
            rtp = self._rtp()
            if rtp is not None and rtp.remote is not None and rtp.plan is not None:
                rtp.send_pcm(chunk)
                self.frames_to_switch += 1
                self.peak_level = max(self.peak_level, level(chunk))

    async def run(self, track: MediaStreamTrack) -> None:
        """Until the browser's track ends."""
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                if isinstance(frame, AudioFrame):
                    self.feed(frame)
