"""Split recordings (stereo, or a mono file per side) on the call's clock, and the national
ringback tones of early media."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from helpline.adapters.telephony.sip.early import RINGBACK_TONES, ringback
from helpline.adapters.telephony.sip.recording import CallRecorder, split_files


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def frames(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        channels = wav.getnchannels()
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    return channels, data.reshape(-1, channels)


def talk(recorder: CallRecorder, clock: Clock, key: str, value: int, seconds: float) -> None:
    for _ in range(int(seconds * 50)):
        recorder.track(key).write(np.full(160, value, np.int16))
        clock.now += 0.02


@pytest.mark.parametrize("mode", ["stereo", "mono"])
def test_each_side_lands_in_its_own_channel_on_the_same_timeline(tmp_path: Path, mode: str) -> None:
    clock = Clock()
    recorder = CallRecorder(tmp_path / "call.wav", clock)
    talk(recorder, clock, "caller", 1000, 0.5)  # before the split starts: silence in the split files
    made = recorder.split(mode)
    assert recorder.split(mode) == []  # once
    talk(recorder, clock, "caller", 1000, 1.0)
    talk(recorder, clock, "agent-7", -2000, 1.0)  # an agent and a barging supervisor: the agent side
    talk(recorder, clock, "leader-1", 300, 0.5)
    seconds = recorder.close()
    assert seconds == pytest.approx(3.0, abs=0.05)
    assert split_files([tmp_path / "call.wav"]) == made
    _, mix = frames(tmp_path / "call.wav")
    if mode == "stereo":
        [(kind, path)] = made
        channels, both = frames(path)
        assert kind == "stereo" and channels == 2
        caller, agent = both[:, 0], both[:, 1]
    else:
        assert [k for k, _ in made] == ["caller", "agent"]
        caller, agent = frames(made[0][1])[1][:, 0], frames(made[1][1])[1][:, 0]
    assert len(caller) == len(agent) == len(mix)
    # (a sample of slack at each boundary: positions come from a float clock)
    assert not caller[:3990].any() and not agent[:3990].any()  # the first half second: before the split
    assert set(np.unique(caller[4010:11990]).tolist()) == {1000} and not agent[4010:11990].any()
    assert set(np.unique(agent[12010:19990]).tolist()) == {-2000} and not caller[12010:].any()
    assert set(np.unique(agent[20010:23990]).tolist()) == {300}
    assert np.array_equal(mix[4010:, 0], caller[4010:] + agent[4010:])  # the mix is the sum of the sides


def test_no_split_unless_asked(tmp_path: Path) -> None:
    recorder = CallRecorder(tmp_path / "call.wav", Clock())
    assert recorder.split("") == [] and recorder.split("quad") == []
    recorder.close()
    assert split_files([tmp_path / "call.wav"]) == []


@pytest.mark.parametrize(
    ("kind", "peaks", "on", "period"),
    [("cn", [450.0], 1.0, 5.0), ("eu", [425.0], 1.0, 5.0), ("us", [440.0, 480.0], 2.0, 6.0)],
)
def test_ringback_tones(kind: str, peaks: list[float], on: float, period: float) -> None:
    pcm = ringback(kind).astype(np.float64)
    assert len(pcm) == int(period * 8000)
    assert np.abs(pcm[int(on * 8000) + 10 :]).max() == 0  # the cadence's silence
    burst = pcm[: int(on * 8000)]
    spectrum = np.abs(np.fft.rfft(burst))
    freqs = np.fft.rfftfreq(len(burst), 1 / 8000)
    strongest = sorted(float(f) for f in freqs[np.argsort(spectrum)[-len(peaks) :]])
    assert strongest == pytest.approx(peaks, abs=2)
    assert set(RINGBACK_TONES) >= {"cn", "us"} and len(ringback("xx")) == len(ringback("cn"))
