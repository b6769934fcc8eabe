"""A key pressed on a phone, as it reaches the switch: an RFC 4733 telephone-event in the
RTP stream (repeated in several packets, one event per timestamp) or a SIP INFO body
(``application/dtmf-relay`` or ``application/dtmf``)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from helpline.adapters.telephony.sip.message import Request
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket

DTMF_EVENTS = "0123456789*#ABCD"
DTMF_INFO = {"10": "*", "11": "#", "12": "A", "13": "B", "14": "C", "15": "D"}


@dataclass(frozen=True)
class DtmfEvent:
    event: int
    end: bool
    volume: int
    duration: int

    @classmethod
    def parse(cls, payload: bytes) -> DtmfEvent | None:
        if len(payload) < 4:
            return None
        event, flags, duration = struct.unpack("!BBH", payload[:4])
        return cls(event, bool(flags & 0x80), flags & 0x3F, duration)

    @property
    def digit(self) -> str | None:
        return DTMF_EVENTS[self.event] if self.event < len(DTMF_EVENTS) else None

    def to_bytes(self) -> bytes:
        return struct.pack("!BBH", self.event, (0x80 if self.end else 0) | self.volume, self.duration)


class DtmfDetector:
    """RFC 4733 §2.5.1.2: one event per RTP timestamp, however many packets repeat it."""

    def __init__(self) -> None:
        self._seen: list[tuple[int, int]] = []

    def feed(self, packet: RtpPacket) -> str | None:
        event = DtmfEvent.parse(packet.payload)
        if event is None or event.digit is None:
            return None
        key = (packet.ssrc, packet.timestamp)
        if key in self._seen:
            return None
        self._seen = [*self._seen[-15:], key]
        return event.digit


def dtmf_from_info(request: Request) -> str | None:
    """``application/dtmf-relay`` (``Signal=5``) or ``application/dtmf`` (``5``) bodies."""
    try:
        text = request.body.decode("ascii", "replace")
    except Exception:  # pragma: no cover - decode with "replace" does not fail
        return None
    kind = request.content_type
    value: str | None = None
    if kind == "application/dtmf-relay":
        for line in text.splitlines():
            name, _, v = line.partition("=")
            if name.strip().lower() == "signal":
                value = v.strip()
    elif kind == "application/dtmf":
        value = text.strip()
    if not value:
        return None
    value = DTMF_INFO.get(value, value)
    return value if len(value) == 1 and value in "0123456789*#ABCD" else None
