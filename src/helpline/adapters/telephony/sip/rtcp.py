"""RTCP (RFC 3550 §6): the sender and receiver reports each leg sends about every 5 s, and
what the far end reports back about our stream (its loss, its jitter, the round trip).

Pure packet code: building and parsing compound packets (SR or RR first, then SDES with a
CNAME, BYE when a leg ends). :class:`~helpline.adapters.telephony.sip.rtp.RtpSession` owns
the timing and the socket; the statistics it reports from live in ``rtp_stats.SourceStats``.
"""

from __future__ import annotations

import random
import struct
import time
from dataclasses import dataclass, field

SR, RR, SDES, BYE = 200, 201, 202, 203
MIN_INTERVAL = 5.0  # RFC 3550 §6.2: the recommended minimum between reports
NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900 to 1970
CNAME = 1


def next_interval(minimum: float = MIN_INTERVAL, *, first: bool = False) -> float:
    """Seconds to the next report: the minimum (half of it for the first report, §6.2),
    randomised over [0.5, 1.5] so that legs started together do not report in step."""
    base = minimum / 2 if first else minimum
    return base * random.uniform(0.5, 1.5)


def ntp_now(wall: float | None = None) -> tuple[int, int]:
    """The 64-bit NTP timestamp (seconds, fraction) of the wall clock."""
    now = time.time() if wall is None else wall
    seconds = int(now) + NTP_EPOCH_OFFSET
    fraction = int((now - int(now)) * (1 << 32)) & 0xFFFFFFFF
    return seconds & 0xFFFFFFFF, fraction


def ntp_middle(seconds: int, fraction: int) -> int:
    """The middle 32 bits of an NTP timestamp: the unit of LSR and of round trips (1/65536 s)."""
    return ((seconds & 0xFFFF) << 16) | (fraction >> 16)


@dataclass(frozen=True)
class ReportBlock:
    """One reception report (§6.4.1): what a receiver saw of the source ``ssrc``."""

    ssrc: int
    fraction_lost: int  # of 256, since the previous report
    cumulative_lost: int
    highest_seq: int  # extended
    jitter: int  # in timestamp units
    lsr: int = 0  # middle 32 bits of the last SR received from ``ssrc``; 0: none yet
    dlsr: int = 0  # delay since that SR, 1/65536 s

    def to_bytes(self) -> bytes:
        lost = max(-(1 << 23), min((1 << 23) - 1, self.cumulative_lost)) & 0xFFFFFF
        return struct.pack(
            "!IIIIII",
            self.ssrc,
            (min(255, self.fraction_lost) << 24) | lost,
            self.highest_seq & 0xFFFFFFFF,
            min(self.jitter, 0xFFFFFFFF),
            self.lsr & 0xFFFFFFFF,
            self.dlsr & 0xFFFFFFFF,
        )

    @classmethod
    def parse(cls, data: bytes) -> ReportBlock:
        ssrc, lost_word, highest, jitter, lsr, dlsr = struct.unpack("!IIIIII", data[:24])
        cumulative = lost_word & 0xFFFFFF
        if cumulative & 0x800000:  # 24-bit two's complement (duplicates can make it negative)
            cumulative -= 1 << 24
        return cls(ssrc, lost_word >> 24, cumulative, highest, jitter, lsr, dlsr)


@dataclass(frozen=True)
class SenderInfo:
    ntp_seconds: int
    ntp_fraction: int
    rtp_timestamp: int
    packets: int
    octets: int


@dataclass
class RtcpReport:
    """One parsed compound packet."""

    ssrc: int = 0
    sender: SenderInfo | None = None
    blocks: list[ReportBlock] = field(default_factory=list)
    cname: str | None = None
    bye: bool = False


def _header(pt: int, count: int, body: bytes) -> bytes:
    return struct.pack("!BBH", 0x80 | (count & 0x1F), pt, len(body) // 4) + body


def build_report(
    ssrc: int, blocks: list[ReportBlock], sender: SenderInfo | None, cname: str, *, bye: bool = False
) -> bytes:
    """A compound packet: SR (when we sent media) or RR, SDES CNAME, and BYE if ``bye``."""
    blocks = blocks[:31]
    reports = b"".join(b.to_bytes() for b in blocks)
    if sender is not None:
        info = struct.pack(
            "!IIIII",
            sender.ntp_seconds,
            sender.ntp_fraction,
            sender.rtp_timestamp & 0xFFFFFFFF,
            sender.packets & 0xFFFFFFFF,
            sender.octets & 0xFFFFFFFF,
        )
        out = _header(SR, len(blocks), struct.pack("!I", ssrc) + info + reports)
    else:
        out = _header(RR, len(blocks), struct.pack("!I", ssrc) + reports)
    text = cname.encode()[:255]
    chunk = struct.pack("!IBB", ssrc, CNAME, len(text)) + text + b"\x00"
    chunk += b"\x00" * (-len(chunk) % 4)
    out += _header(SDES, 1, chunk)
    if bye:
        out += _header(BYE, 1, struct.pack("!I", ssrc))
    return out


def is_rtcp(data: bytes) -> bool:
    """RTCP on a muxed port (RFC 5761 §4): version 2 and a packet type of 192-223."""
    return len(data) >= 8 and data[0] >> 6 == 2 and 192 <= data[1] <= 223


def parse(data: bytes) -> RtcpReport | None:
    """A compound packet, or None when it is not valid RTCP (§A.2: version 2, lengths add up,
    the first packet is an SR or RR)."""
    report = RtcpReport()
    offset = 0
    first = True
    while offset + 4 <= len(data):
        head, pt, words = struct.unpack("!BBH", data[offset : offset + 4])
        end = offset + 4 + 4 * words
        if head >> 6 != 2 or end > len(data):
            return None
        if first and pt not in (SR, RR):
            return None
        count = head & 0x1F
        body = data[offset + 4 : end]
        if pt in (SR, RR):
            fixed = 24 if pt == SR else 4
            if len(body) < fixed + 24 * count:
                return None
            report.ssrc = struct.unpack("!I", body[:4])[0]
            if pt == SR:
                report.sender = SenderInfo(*struct.unpack("!IIIII", body[4:24]))
            report.blocks += [
                ReportBlock.parse(body[fixed + 24 * i : fixed + 24 * (i + 1)]) for i in range(count)
            ]
        elif pt == SDES and count and len(body) >= 6 and body[4] == CNAME:
            length = body[5]
            report.cname = body[6 : 6 + length].decode("utf-8", "replace")
        elif pt == BYE:
            report.bye = True
        first = False
        offset = end
    return None if first or offset != len(data) else report
