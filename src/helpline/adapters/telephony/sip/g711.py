"""G.711 μ-law and A-law by lookup tables (numpy), bit-exact with the reference C code
(Sun's g711.c, which ``audioop`` also uses): encoding is one table lookup per sample over
all 65536 linear values, decoding one over the 256 codes."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

Pcm = npt.NDArray[np.int16]
_SEG_UEND = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
_SEG_AEND = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
_ALL = np.arange(-32768, 32768, dtype=np.int32)


@cache
def _ulaw_encode_table() -> npt.NDArray[np.uint8]:
    x = _ALL >> 2
    mask = np.where(x < 0, 0x7F, 0xFF)
    v = np.minimum(np.abs(x), 8159) + 0x21
    seg = np.searchsorted(_SEG_UEND, v, side="left")
    code = np.where(seg >= 8, 0x7F, (seg << 4) | ((v >> (np.minimum(seg, 7) + 1)) & 0xF))
    return ((code ^ mask) & 0xFF).astype(np.uint8)


@cache
def _alaw_encode_table() -> npt.NDArray[np.uint8]:
    x = _ALL >> 3
    negative = x < 0
    mask = np.where(negative, 0x55, 0xD5)
    v = np.where(negative, -x - 1, x)
    seg = np.searchsorted(_SEG_AEND, v, side="left")
    low = np.where(seg < 2, (v >> 1) & 0xF, (v >> np.maximum(seg, 1)) & 0xF)
    code = np.where(seg >= 8, 0x7F, (seg << 4) | low)
    return ((code ^ mask) & 0xFF).astype(np.uint8)


@cache
def _ulaw_decode_table() -> Pcm:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    t = (((u & 0xF) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype(np.int16)


@cache
def _alaw_decode_table() -> Pcm:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    t = (a & 0xF) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, np.where(seg == 1, t + 0x108, (t + 0x108) << np.maximum(seg - 1, 0)))
    return np.where(a & 0x80, t, -t).astype(np.int16)


def encode(pcm: Pcm, codec: str) -> bytes:
    """16-bit linear samples to G.711 bytes; ``codec`` is ``"PCMU"`` or ``"PCMA"``."""
    table = _ulaw_encode_table() if codec == "PCMU" else _alaw_encode_table()
    return bytes(table[pcm.astype(np.int32) + 32768])


def decode(payload: bytes, codec: str) -> Pcm:
    table = _ulaw_decode_table() if codec == "PCMU" else _alaw_decode_table()
    return table[np.frombuffer(payload, dtype=np.uint8)]


def transcode(payload: bytes, source: str, target: str) -> bytes:
    return payload if source == target else encode(decode(payload, source), target)


def silence(codec: str, samples: int = 160) -> bytes:
    return encode(np.zeros(samples, dtype=np.int16), codec)
