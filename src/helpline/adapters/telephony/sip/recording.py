"""One WAV per call: what the caller and the agent (and a barging supervisor) said, mixed.

Each leg's audio arrives as RTP on its own schedule, and a leg sends nothing at times (a
phone on hold, a muted softphone, a leg that is not up yet). Appending packets as they come
would shift one party against the other, so every track is placed on the call's clock: a
packet goes where the wall clock says it belongs, a gap stays silent, and a burst that runs
ahead keeps its own order. The mix is written out once it can no longer change (older than
:data:`SETTLE` seconds), so a long call never sits in memory.
"""

from __future__ import annotations

import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from helpline.adapters.telephony.sip.g711 import Pcm

RATE = 8000
SLACK = RATE // 5  # 200 ms: arrival jitter that does not move a track on the timeline
SETTLE = 2 * SLACK  # audio older than this is final and goes to the file


class Track:
    """Where one party's audio goes on the call's timeline."""

    def __init__(self, recorder: CallRecorder) -> None:
        self._recorder = recorder
        self.cursor: int | None = None  # sample index of the next sample of this party

    def write(self, pcm: Pcm) -> None:
        recorder = self._recorder
        now = recorder.position()
        if self.cursor is None or self.cursor < now - SLACK:
            self.cursor = now  # first packet, or after a silence: back on the clock
        recorder.add(self.cursor, pcm)
        self.cursor += len(pcm)


class CallRecorder:
    """Mixes tracks into one 8 kHz mono 16-bit WAV, written as it settles."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._start = clock()
        self._wav: wave.Wave_write | None = wave.open(str(self.path), "wb")  # noqa: SIM115 (closed by close())
        self._wav.setparams((1, 2, RATE, 0, "NONE", "not compressed"))
        self._flushed = 0  # samples written to the file
        self._pending = np.zeros(0, dtype=np.int32)  # the mix from ``_flushed`` on
        self.tracks: dict[str, Track] = {}

    def track(self, key: str) -> Track:
        if key not in self.tracks:
            self.tracks[key] = Track(self)
        return self.tracks[key]

    def position(self) -> int:
        return int((self._clock() - self._start) * RATE)

    def add(self, at: int, pcm: Pcm) -> None:
        if self._wav is None:
            return
        start = at - self._flushed
        if start < 0:  # that part is already on disk (a very late packet): drop it
            pcm, start = pcm[-start:], 0
        end = start + len(pcm)
        if end > len(self._pending):
            self._pending = np.concatenate([self._pending, np.zeros(end - len(self._pending), np.int32)])
        self._pending[start:end] += pcm.astype(np.int32)
        self._flush(self.position() - SETTLE)

    def _flush(self, upto: int) -> None:
        count = min(upto - self._flushed, len(self._pending))
        if count <= 0 or self._wav is None:
            return
        self._wav.writeframesraw(_clip(self._pending[:count]).astype("<i2").tobytes())
        self._pending = self._pending[count:]
        self._flushed += count

    def close(self) -> float:
        """Write what is left (up to the end of the call) and the header; -> seconds recorded."""
        if self._wav is not None:
            end = max(self.position(), self._flushed + len(self._pending))
            missing = end - self._flushed - len(self._pending)
            if missing > 0:
                self._pending = np.concatenate([self._pending, np.zeros(missing, np.int32)])
            self._flush(end)
            self._wav.close()
            self._wav = None
        return self.seconds

    @property
    def seconds(self) -> float:
        return (self._flushed + len(self._pending)) / RATE


def _clip(mix: np.ndarray) -> Pcm:
    clipped: Pcm = np.clip(mix, -32768, 32767).astype(np.int16)
    return clipped
