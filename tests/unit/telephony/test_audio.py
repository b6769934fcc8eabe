"""Telephone audio: WAV files of any PCM format become 8 kHz mono 16-bit, and a call's
recording keeps each party on the call's clock (gaps stay silent, nothing drifts)."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from helpline.adapters.audio import AudioError, to_phone_pcm
from helpline.adapters.telephony.sip.media import load_wav
from helpline.adapters.telephony.sip.recording import CallRecorder


def wav(rate: int, channels: int, width: int, samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setparams((channels, width, rate, 0, "NONE", "not compressed"))
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def tone(rate: int, freq: float = 440.0, seconds: float = 1.0) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate)


def peak_hz(pcm: np.ndarray) -> float:
    return float(np.argmax(np.abs(np.fft.rfft(pcm))) * 8000 / len(pcm))


@pytest.mark.parametrize(
    ("rate", "channels", "width"),
    [(8000, 1, 2), (22050, 1, 2), (44100, 2, 2), (48000, 2, 3), (16000, 1, 1), (96000, 1, 4)],
)
def test_any_pcm_wav_becomes_8khz_mono_16bit(rate: int, channels: int, width: int) -> None:
    signal = tone(rate)
    if width == 1:
        raw = np.round(signal * 100 + 128).astype(np.uint8)
    elif width == 3:
        ints = np.round(signal * 4_000_000).astype("<i4")
        raw = np.frombuffer(ints.tobytes(), np.uint8).reshape(-1, 4)[:, :3].copy()
    else:
        raw = np.round(signal * (12000 if width == 2 else 800_000_000)).astype(f"<i{width}")
    frames = np.repeat(raw.reshape(len(signal), -1), channels, axis=0).reshape(len(signal), -1)
    pcm = to_phone_pcm(wav(rate, channels, width, frames))
    assert pcm.dtype == np.int16 and abs(len(pcm) - 8000) <= 1
    assert abs(peak_hz(pcm) - 440) < 3
    assert 0.2 < np.abs(pcm).max() / 32767 < 1.0


def test_tones_above_the_phone_band_are_filtered_not_aliased() -> None:
    pcm = to_phone_pcm(wav(44100, 1, 2, np.round(tone(44100, 6000.0) * 12000).astype("<i2")))
    body = pcm[400:-400]  # past the filter's edges
    assert np.abs(body).max() < 0.03 * 12000  # 6 kHz would fold to 2 kHz without the low-pass


def test_what_is_not_a_pcm_wav_is_refused() -> None:
    with pytest.raises(AudioError):
        to_phone_pcm(b"ID3\x03\x00 an mp3")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_call_recording_mixes_parties_on_the_calls_clock(tmp_path: Path) -> None:
    clock = Clock()
    recorder = CallRecorder(tmp_path / "call.wav", clock)
    caller, agent = recorder.track("caller"), recorder.track("agent")
    frame = np.full(160, 1000, dtype=np.int16)
    for _ in range(50):  # one second of the caller alone
        caller.write(frame)
        clock.now += 0.02
    clock.now += 1.0  # a second of silence: nobody sends anything (hold)
    for _ in range(50):  # then both talk at once
        caller.write(frame)
        agent.write(frame)
        clock.now += 0.02
    assert abs(recorder.close() - 3.0) < 0.03
    pcm = load_wav(tmp_path / "call.wav")
    assert abs(len(pcm) - 24000) <= 240
    assert pcm[4000] == 1000 and pcm[12000] == 0 and pcm[20000] == 2000  # alone, gap, together
