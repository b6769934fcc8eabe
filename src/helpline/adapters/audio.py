"""Turning WAV files into telephone audio: 8 kHz, mono, 16-bit PCM.

The switch plays only that (G.711 carries 8 kHz). Prompts come from elsewhere: the TTS
engine writes 22.05 kHz, tenants upload whatever their studio or phone produced (44.1 kHz
stereo, 8-bit, 24-bit...). This converts any uncompressed PCM WAV, with numpy only: channels
are averaged, samples scaled to 16 bits, and the rate changed by a windowed-sinc low-pass
(no aliasing above 3.6 kHz) followed by linear interpolation, which is plenty for speech
on a phone line.
"""

from __future__ import annotations

import io
import wave

import numpy as np

RATE = 8000
MAX_SECONDS = 600  # a prompt longer than ten minutes is a mistake, not a prompt


class AudioError(ValueError):
    """The bytes are not a WAV this module can read (compressed, broken, too long)."""


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Mono float samples in [-1, 1] and the sample rate of an uncompressed PCM WAV."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate, frames = (
                wav.getnchannels(),
                wav.getsampwidth(),
                wav.getframerate(),
                wav.getnframes(),
            )
            if frames > rate * MAX_SECONDS:
                raise AudioError(f"longer than {MAX_SECONDS} s")
            raw = wav.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"not an uncompressed PCM WAV file: {exc}") from None
    if not 1 <= channels <= 8 or rate < 4000:
        raise AudioError(f"{channels} channels at {rate} Hz cannot be converted")
    raw = raw[: len(raw) - len(raw) % (width * channels)]
    samples: np.ndarray
    if width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        samples = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    elif width == 3:
        bytes3 = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        value = bytes3[:, 0] | (bytes3[:, 1] << 8) | (bytes3[:, 2] << 16)
        samples = (np.where(value >= 1 << 23, value - (1 << 24), value) / float(1 << 23)).astype(np.float32)
    elif width == 4:
        samples = np.frombuffer(raw, "<i4").astype(np.float32) / float(1 << 31)
    else:
        raise AudioError(f"{8 * width}-bit samples are not supported")
    return samples.reshape(-1, channels).mean(axis=1), rate


def resample(samples: np.ndarray, rate: int, to: int = RATE) -> np.ndarray:
    if rate == to or samples.size == 0:
        return samples
    x = samples.astype(np.float64)
    if rate > to:
        cutoff = 0.45 * to / rate  # just under the new Nyquist, in cycles per input sample
        taps = 2 * int(4 / cutoff) + 1
        n = np.arange(taps) - (taps - 1) / 2
        kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
        x = np.convolve(x, kernel / kernel.sum(), mode="same")
    count = int(len(x) * to / rate)
    out: np.ndarray = np.interp(np.arange(count) * (rate / to), np.arange(len(x)), x)
    return out


def to_phone_pcm(data: bytes) -> np.ndarray:
    """Any PCM WAV -> 8 kHz mono int16 samples (raises :class:`AudioError`)."""
    samples, rate = decode_wav(data)
    converted = resample(samples, rate)
    pcm: np.ndarray = np.clip(np.round(converted * 32767), -32768, 32767).astype(np.int16)
    return pcm


def encode_wav(pcm: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setparams((1, 2, RATE, 0, "NONE", "not compressed"))
        wav.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()
