"""One WAV per call: what the caller and the agent (and a barging supervisor) said, mixed;
and, where the tenant asks (quality review, speech analytics), the two directions apart:
one stereo WAV (caller left, agent side right) or two mono WAVs, on the same timeline.

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
SPLIT_MODES = ("", "stereo", "mono")
SIDES = ("caller", "agent")  # the agent side: agents and a barging supervisor


def recording_path(directory: str, tenant_id: str, call_id: str) -> Path:
    """``<dir>/<tenant>/<yyyy-mm-dd>/<call id>.wav``: a folder per tenant (a hosted center's
    tenants never share one) and per day (so old recordings are easy to archive)."""
    tenant = "".join(c if c.isalnum() or c in "-_" else "_" for c in tenant_id) or "_"
    return Path(directory) / tenant / time.strftime("%Y-%m-%d", time.gmtime()) / f"{call_id}.wav"


def split_paths(path: Path) -> list[tuple[str, Path]]:
    """(kind, path) of every split file a call recorded at ``path`` may have."""
    return [
        ("stereo", path.with_name(f"{path.stem}-stereo.wav")),
        *((side, path.with_name(f"{path.stem}-{side}.wav")) for side in SIDES),
    ]


def split_files(paths: list[Path] | tuple[Path, ...]) -> list[tuple[str, Path]]:
    """The split files that exist beside the mixed recordings ``paths``."""
    return [(kind, p) for path in paths for kind, p in split_paths(path) if p.is_file()]


def _wav(path: Path, channels: int) -> wave.Wave_write:
    out = wave.open(str(path), "wb")  # noqa: SIM115 (closed by CallRecorder.close())
    out.setparams((channels, 2, RATE, 0, "NONE", "not compressed"))
    return out


class Track:
    """Where one party's audio goes on the call's timeline."""

    def __init__(self, recorder: CallRecorder, side: str = "caller") -> None:
        self._recorder = recorder
        self.side = side
        self.cursor: int | None = None  # sample index of the next sample of this party

    def write(self, pcm: Pcm) -> None:
        recorder = self._recorder
        now = recorder.position()
        if self.cursor is None or self.cursor < now - SLACK:
            self.cursor = now  # first packet, or after a silence: back on the clock
        recorder.add(self.cursor, pcm, self.side)
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
        self.split_mode = ""
        self._sides: dict[str, np.ndarray] = {}  # per side, aligned with ``_pending``
        self._split: list[wave.Wave_write] = []  # one stereo file, or caller and agent files

    def track(self, key: str) -> Track:
        """The track of a party: ``caller``, or an agent or supervisor id (the agent side)."""
        if key not in self.tracks:
            self.tracks[key] = Track(self, "caller" if key == "caller" else "agent")
        return self.tracks[key]

    def split(self, mode: str) -> list[tuple[str, Path]]:
        """Also keep the two directions apart (``stereo`` or ``mono``): -> (kind, path) made.
        Audio already flushed is silence in the split files, so they stay in step."""
        if mode not in ("stereo", "mono") or self.split_mode or self._wav is None:
            return []
        self.split_mode = mode
        made = [(k, p) for k, p in split_paths(self.path) if (k == "stereo") == (mode == "stereo")]
        self._split = [_wav(p, 2 if mode == "stereo" else 1) for _, p in made]
        self._sides = {side: np.zeros(len(self._pending), np.int32) for side in SIDES}
        if self._flushed:
            silent = np.zeros(self._flushed * (2 if mode == "stereo" else 1), "<i2").tobytes()
            for out in self._split:
                out.writeframesraw(silent)
        return made

    def position(self) -> int:
        return int((self._clock() - self._start) * RATE)

    def add(self, at: int, pcm: Pcm, side: str = "caller") -> None:
        if self._wav is None:
            return
        start = at - self._flushed
        if start < 0:  # that part is already on disk (a very late packet): drop it
            pcm, start = pcm[-start:], 0
        end = start + len(pcm)
        if end > len(self._pending):
            self._grow(end)
        samples = pcm.astype(np.int32)
        self._pending[start:end] += samples
        if self._sides:
            self._sides[side if side in self._sides else "agent"][start:end] += samples
        self._flush(self.position() - SETTLE)

    def _grow(self, length: int) -> None:
        extra = np.zeros(length - len(self._pending), np.int32)
        self._pending = np.concatenate([self._pending, extra])
        for side, buffer in self._sides.items():
            self._sides[side] = np.concatenate([buffer, extra])

    def _flush(self, upto: int) -> None:
        count = min(upto - self._flushed, len(self._pending))
        if count <= 0 or self._wav is None:
            return
        self._wav.writeframesraw(_clip(self._pending[:count]).astype("<i2").tobytes())
        self._pending = self._pending[count:]
        if self._sides:
            caller, agent = (_clip(self._sides[side][:count]).astype("<i2") for side in SIDES)
            if self.split_mode == "stereo":
                self._split[0].writeframesraw(np.column_stack([caller, agent]).tobytes())
            else:
                self._split[0].writeframesraw(caller.tobytes())
                self._split[1].writeframesraw(agent.tobytes())
            self._sides = {side: buffer[count:] for side, buffer in self._sides.items()}
        self._flushed += count

    def close(self) -> float:
        """Write what is left (up to the end of the call) and the header; -> seconds recorded."""
        if self._wav is not None:
            end = max(self.position(), self._flushed + len(self._pending))
            if end - self._flushed > len(self._pending):
                self._grow(end - self._flushed)
            self._flush(end)
            self._wav.close()
            self._wav = None
            for out in self._split:
                out.close()
            self._split = []
        return self.seconds

    @property
    def seconds(self) -> float:
        return (self._flushed + len(self._pending)) / RATE


def _clip(mix: np.ndarray) -> Pcm:
    clipped: Pcm = np.clip(mix, -32768, 32767).astype(np.int16)
    return clipped
