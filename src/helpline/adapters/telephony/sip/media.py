"""Audio for the switch: WAV prompts (8 kHz mono 16-bit), generated tones, paced playback
as 20 ms RTP frames, recording to WAV, and mixing for conferences."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np

from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.rtp import SAMPLES_PER_FRAME, RtpSession

RATE = 8000


def load_wav(path: str | Path) -> Pcm:
    """Samples of an 8 kHz, mono, 16-bit PCM WAV file; anything else is a ValueError."""
    with wave.open(str(path), "rb") as wav:
        if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (RATE, 1, 2):
            raise ValueError(f"{path}: prompts must be 8 kHz mono 16-bit PCM WAV")
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)


def save_wav(path: str | Path, pcm: Pcm) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setparams((1, 2, RATE, 0, "NONE", "not compressed"))
        wav.writeframes(pcm.astype("<i2").tobytes())


def tone(freqs: tuple[float, ...], seconds: float, level: float = 0.25) -> Pcm:
    t = np.arange(int(seconds * RATE)) / RATE
    wave_sum = sum(np.sin(2 * np.pi * f * t) for f in freqs) / max(1, len(freqs))
    ramp = np.minimum(1.0, np.minimum(np.arange(len(t)), np.arange(len(t))[::-1]) / 40)  # no clicks
    return (np.asarray(wave_sum) * ramp * level * 32767).astype(np.int16)


def silence(seconds: float) -> Pcm:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def demo_prompt() -> Pcm:
    """Two short beeps: 'please choose' when no prompt file is configured."""
    beep = tone((880.0,), 0.2)
    return np.concatenate([beep, silence(0.1), beep, silence(0.2)])


def demo_hold_music() -> Pcm:
    """A slow arpeggio, looped as music on hold when no file is configured."""
    notes = (261.6, 329.6, 392.0, 523.3, 392.0, 329.6)
    return np.concatenate([np.concatenate([tone((f,), 0.35, 0.15), silence(0.05)]) for f in notes])


async def play(session: RtpSession, pcm: Pcm, *, loop: bool = False) -> None:
    """Send ``pcm`` as 20 ms frames, paced by the event loop clock (no drift over a long
    prompt: each frame has its due time from the start). Cancel the task to stop early."""
    clock = asyncio.get_running_loop()
    frames = max(1, -(-len(pcm) // SAMPLES_PER_FRAME))
    padded = np.zeros(frames * SAMPLES_PER_FRAME, dtype=np.int16)
    padded[: len(pcm)] = pcm
    start = clock.time()
    index = 0
    while True:
        for i in range(frames):
            due = start + index * 0.02
            delay = due - clock.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.2:  # the loop was stalled: skip ahead rather than burst
                start, index = clock.time(), 0
            session.send_pcm(padded[i * SAMPLES_PER_FRAME : (i + 1) * SAMPLES_PER_FRAME])
            index += 1
        if not loop:
            return


class WavRecorder:
    """Writes the 16-bit audio of a leg (or a mix) to a WAV file as it arrives."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._wav: wave.Wave_write | None = wave.open(str(self.path), "wb")  # noqa: SIM115 (closed by close())
        self._wav.setparams((1, 2, RATE, 0, "NONE", "not compressed"))
        self.samples = 0

    def write(self, pcm: Pcm) -> None:
        if self._wav is not None:
            self._wav.writeframesraw(pcm.astype("<i2").tobytes())
            self.samples += len(pcm)

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()  # patches the header with the final length
            self._wav = None

    @property
    def seconds(self) -> float:
        return self.samples / RATE


def mix(frames: list[Pcm]) -> Pcm:
    """Sum of equal-length frames, clipped to 16 bits (a conference's mix-minus is
    ``mix(others)`` for each participant)."""
    if not frames:
        return np.zeros(SAMPLES_PER_FRAME, dtype=np.int16)
    total = np.sum([f.astype(np.int32) for f in frames], axis=0)
    mixed: Pcm = np.clip(total, -32768, 32767).astype(np.int16)
    return mixed
