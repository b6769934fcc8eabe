"""The RTP packet (RFC 3550 §5.1): its fixed header, CSRCs, header extension and padding
read, and the plain header written (we send no CSRC, extension or padding)."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass
class RtpPacket:
    pt: int
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket | None:
        """None for anything that is not an RTP version 2 packet (RTCP, STUN, garbage)."""
        if len(data) < 12 or data[0] >> 6 != 2:
            return None
        first, second, seq, timestamp, ssrc = struct.unpack("!BBHII", data[:12])
        pt = second & 0x7F
        if 72 <= pt <= 76:
            return None  # RTCP on a muxed port
        offset = 12 + 4 * (first & 0x0F)
        if first & 0x10:  # header extension
            if len(data) < offset + 4:
                return None
            offset += 4 + 4 * struct.unpack("!H", data[offset + 2 : offset + 4])[0]
        end = len(data)
        if first & 0x20:  # padding
            end -= data[-1]
        if offset > end:
            return None
        return cls(pt, seq, timestamp, ssrc, data[offset:end], bool(second & 0x80))

    def to_bytes(self) -> bytes:
        return (
            struct.pack(
                "!BBHII",
                0x80,
                (0x80 if self.marker else 0) | self.pt,
                self.seq & 0xFFFF,
                self.timestamp & 0xFFFFFFFF,
                self.ssrc,
            )
            + self.payload
        )
