"""What a leg's RTP session counts: per source, the receive statistics of RFC 3550 (§6.4.1,
A.3 and A.8) from which our RTCP reports are made; from the far end, what its reports say of
our stream; and the leg's figures for the call record and /metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from helpline.adapters.telephony.sip import rtcp
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket


@dataclass
class SourceStats:
    """Receive statistics of one SSRC (RFC 3550 §6.4.1, A.3 and A.8)."""

    base_seq: int
    max_seq: int
    cycles: int = 0
    received: int = 0
    jitter: float = 0.0  # in timestamp units
    _transit: int | None = None
    _expected_prior: int = 0  # at the last report we sent (RFC 3550 A.3: fraction lost)
    _received_prior: int = 0

    def update(self, packet: RtpPacket, arrival_units: int) -> None:
        self.received += 1
        delta = (packet.seq - self.max_seq) & 0xFFFF
        if 0 < delta < 3000:
            if packet.seq < self.max_seq:
                self.cycles += 1 << 16
            self.max_seq = packet.seq
        transit = arrival_units - packet.timestamp
        if self._transit is not None:
            d = abs(transit - self._transit)
            self.jitter += (d - self.jitter) / 16
        self._transit = transit

    @property
    def expected(self) -> int:
        return self.cycles + self.max_seq - self.base_seq + 1

    @property
    def lost(self) -> int:
        return max(0, self.expected - self.received)

    def report_block(self, ssrc: int, last_sr: tuple[int, float] | None, now: float) -> rtcp.ReportBlock:
        """Our reception report about this source; starts a new interval for fraction lost."""
        expected = self.expected
        interval_expected = expected - self._expected_prior
        interval_lost = interval_expected - (self.received - self._received_prior)
        self._expected_prior, self._received_prior = expected, self.received
        fraction = 0
        if interval_expected > 0 and interval_lost > 0:
            fraction = (interval_lost << 8) // interval_expected
        lsr, dlsr = (last_sr[0], int((now - last_sr[1]) * 65536)) if last_sr else (0, 0)
        return rtcp.ReportBlock(
            ssrc, fraction, expected - self.received, self.cycles + self.max_seq, int(self.jitter), lsr, dlsr
        )


@dataclass
class FarEndReport:
    """What the far end's last RTCP report said about the stream we send it."""

    fraction_lost: float = 0.0  # 0..1, over its last interval
    cumulative_lost: int = 0
    jitter_ms: float = 0.0
    rtt_ms: float | None = None  # from LSR/DLSR (§6.4.1), once it has seen one of our SRs
    packets: int = 0  # what it says it sent (its SR), for comparison with what we received


@dataclass
class RtpStats:
    packets_sent: int = 0
    octets_sent: int = 0
    packets_received: int = 0
    bytes_received: int = 0
    invalid: int = 0
    dtmf_digits: str = ""
    sources: dict[int, SourceStats] = field(default_factory=dict)
    rtcp_sent: int = 0
    rtcp_received: int = 0
    far_end: FarEndReport | None = None
    codec: str = ""
    role: str = ""  # caller | agent | supervisor | consult: whose leg (set by the Leg)

    @property
    def lost(self) -> int:
        return sum(s.lost for s in self.sources.values())

    @property
    def jitter_ms(self) -> float:
        return max((s.jitter / 8 for s in self.sources.values()), default=0.0)

    def quality(self) -> dict[str, Any]:
        """The leg's figures for the call record and /metrics (JSON-ready)."""
        far = self.far_end
        return {
            "codec": self.codec,
            "packets_sent": self.packets_sent,
            "octets_sent": self.octets_sent,
            "packets_received": self.packets_received,
            "octets_received": self.bytes_received,
            "packets_lost": self.lost,
            "jitter_ms": round(self.jitter_ms, 3),
            "rtcp_sent": self.rtcp_sent,
            "rtcp_received": self.rtcp_received,
            "remote_fraction_lost": round(far.fraction_lost, 4) if far else None,
            "remote_packets_lost": far.cumulative_lost if far else None,
            "remote_jitter_ms": round(far.jitter_ms, 3) if far else None,
            "rtt_ms": round(far.rtt_ms, 3) if far and far.rtt_ms is not None else None,
        }
