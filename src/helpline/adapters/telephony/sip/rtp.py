"""RTP (RFC 3550) for one call leg: packets, RFC 4733 DTMF events, receive statistics, and
:class:`RtpSession`, an asyncio datagram endpoint on a port from the switch's range, with its
RTCP endpoint on the next (odd) port: sender/receiver reports about every 5 s (``rtcp.py``).

A session sends G.711 frames (its own SSRC, sequence and timestamp) and hands what it
receives to ``on_packet`` (bridging, recording) and DTMF digits to ``on_dtmf``. Media
latching: until the first packet arrives, audio goes where the SDP said; after that, to
where the far end really sends from (NAT, and what sipp does).
"""

from __future__ import annotations

import asyncio
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from helpline.adapters.telephony.sip import g711, rtcp
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.sdp import AudioPlan

DTMF_EVENTS = "0123456789*#ABCD"
SAMPLES_PER_FRAME = 160  # 20 ms at 8 kHz
MAX_SOURCES = 8


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


class RtpSession(asyncio.DatagramProtocol):
    """One leg's RTP endpoint. Open it with :meth:`open`; point it with :meth:`set_remote`."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.plan: AudioPlan | None = None
        self.remote: tuple[str, int] | None = None
        self.latched = False
        self.ssrc = random.getrandbits(32)
        self._seq = random.getrandbits(16)
        self._ts = random.getrandbits(32)
        self._last_send = 0.0
        self._marker = True
        self.stats = RtpStats()
        self.dtmf = DtmfDetector()
        self.on_packet: Callable[[RtpPacket], None] | None = None
        self.on_dtmf: Callable[[str], None] | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._loop = asyncio.get_running_loop()
        # RTCP: on port + 1 (RFC 3550 §11), or muxed on this port when the far end does so
        self._rtcp_interval = rtcp.MIN_INTERVAL
        self.rtcp_remote: tuple[str, int] | None = None
        self.cname = f"helpline-{self.ssrc:08x}@{host}"
        self._rtcp_latched = False
        self._rtcp_transport: asyncio.DatagramTransport | None = None
        self._rtcp_timer: asyncio.TimerHandle | None = None
        self._last_sr: dict[int, tuple[int, float]] = {}  # ssrc -> (LSR, loop time it came)

    async def open(self) -> None:
        """Bind the RTP port and the RTCP port after it (both, or OSError and neither)."""
        transport, _ = await self._loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.host, self.port)
        )
        try:
            rtcp_transport, _ = await self._loop.create_datagram_endpoint(
                lambda: _RtcpEndpoint(self), local_addr=(self.host, self.port + 1)
            )
        except OSError:
            transport.close()
            raise
        self._transport, self._rtcp_transport = transport, rtcp_transport
        self._schedule_rtcp(first=True)

    def close(self) -> None:
        """Stop; the far end gets an RTCP BYE with the final report (§6.6)."""
        self.on_packet = self.on_dtmf = None
        if self._rtcp_timer is not None:
            self._rtcp_timer.cancel()
            self._rtcp_timer = None
        if self._transport is not None:
            self.send_rtcp(bye=True)
            self._transport.close()
            self._transport = None
        if self._rtcp_transport is not None:
            self._rtcp_transport.close()
            self._rtcp_transport = None

    @property
    def closed(self) -> bool:
        return self._transport is None

    @property
    def codec(self) -> str:
        return self.plan.codec if self.plan else "PCMU"

    @property
    def next_timestamp(self) -> int:
        return self._ts

    def set_remote(self, plan: AudioPlan) -> None:
        self.plan = plan
        self.stats.codec = plan.codec
        if not self.latched:
            self.remote = (plan.host, plan.port) if plan.port and not plan.on_hold else None
        if not self._rtcp_latched and plan.port and not plan.on_hold:
            self.rtcp_remote = (plan.host, plan.rtcp)

    # -- receiving --------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        packet = RtpPacket.parse(data)
        if packet is None:
            if rtcp.is_rtcp(data):
                self.rtcp_received(data, addr)
            else:
                self.stats.invalid += 1
            return
        if not self.latched and self.plan is not None:
            self.remote, self.latched = (str(addr[0]), int(addr[1])), True
        self.stats.packets_received += 1
        self.stats.bytes_received += len(packet.payload)
        self._account(packet)
        if self.plan is not None and packet.pt == self.plan.dtmf_pt:
            digit = self.dtmf.feed(packet)
            if digit is not None:
                self.stats.dtmf_digits += digit
                if self.on_dtmf is not None:
                    self.on_dtmf(digit)
        if self.on_packet is not None:
            self.on_packet(packet)

    def _account(self, packet: RtpPacket) -> None:
        source = self.stats.sources.get(packet.ssrc)
        if source is None:
            if len(self.stats.sources) >= MAX_SOURCES:
                return
            source = self.stats.sources[packet.ssrc] = SourceStats(packet.seq, packet.seq)
        source.update(packet, int(self._loop.time() * 8000))

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP port unreachable while the far end is not yet listening

    # -- RTCP ---------------------------------------------------------------------------------

    def rtcp_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        report = rtcp.parse(data)
        if report is None:
            self.stats.invalid += 1
            return
        self.stats.rtcp_received += 1
        if not self._rtcp_latched:
            self.rtcp_remote, self._rtcp_latched = (str(addr[0]), int(addr[1])), True
        now = self._loop.time()
        sender = report.sender
        if sender is not None and (report.ssrc in self._last_sr or len(self._last_sr) < MAX_SOURCES):
            self._last_sr[report.ssrc] = (rtcp.ntp_middle(sender.ntp_seconds, sender.ntp_fraction), now)
        for block in report.blocks:
            if block.ssrc != self.ssrc:
                continue
            far = self.stats.far_end = self.stats.far_end or FarEndReport()
            far.fraction_lost = block.fraction_lost / 256
            far.cumulative_lost = block.cumulative_lost
            far.jitter_ms = block.jitter / 8
            if block.lsr:
                arrival = rtcp.ntp_middle(*rtcp.ntp_now())
                rtt = ((arrival - block.lsr - block.dlsr) & 0xFFFFFFFF) / 65536
                if rtt < 60:  # else a clock step or a bogus block
                    far.rtt_ms = rtt * 1000
            if report.sender is not None:
                far.packets = report.sender.packets

    @property
    def rtcp_interval(self) -> float:
        return self._rtcp_interval

    @rtcp_interval.setter
    def rtcp_interval(self, seconds: float) -> None:
        """Change the report interval (tests; a long-haul trunk); the next report follows it."""
        self._rtcp_interval = seconds
        if self._rtcp_timer is not None:
            self._rtcp_timer.cancel()
            self._schedule_rtcp(first=True)

    def _schedule_rtcp(self, *, first: bool = False) -> None:
        delay = rtcp.next_interval(self._rtcp_interval, first=first)
        self._rtcp_timer = self._loop.call_later(delay, self._rtcp_tick)

    def _rtcp_tick(self) -> None:
        self._rtcp_timer = None
        if self._transport is None:
            return
        self.send_rtcp()
        self._schedule_rtcp()

    def send_rtcp(self, *, bye: bool = False) -> bool:
        """Send our report now: SR once we have sent media, else RR; a block per source heard.
        Nothing before any media flowed either way (but a BYE goes out whenever we can)."""
        target = self.rtcp_remote
        if target is None or self._rtcp_transport is None:
            return False
        stats = self.stats
        if not (stats.packets_sent or stats.packets_received or bye):
            return False
        now = self._loop.time()
        blocks = [
            source.report_block(ssrc, self._last_sr.get(ssrc), now) for ssrc, source in stats.sources.items()
        ]
        sender: rtcp.SenderInfo | None = None
        if stats.packets_sent:
            ntp_seconds, ntp_fraction = rtcp.ntp_now()
            elapsed = int((now - self._last_send) * 8000) if self._last_send else 0
            sender = rtcp.SenderInfo(
                ntp_seconds, ntp_fraction, self._ts + elapsed, stats.packets_sent, stats.octets_sent
            )
        self._rtcp_transport.sendto(rtcp.build_report(self.ssrc, blocks, sender, self.cname, bye=bye), target)
        stats.rtcp_sent += 1
        return True

    # -- sending ----------------------------------------------------------------------------

    def _next(self, samples: int, *, new_event: bool = True) -> tuple[int, int, bool]:
        """Sequence, timestamp and marker for the next packet; a pause shows in the timestamp."""
        now = self._loop.time()
        gap = now - self._last_send
        if self._last_send and gap > 0.1:
            self._ts += int(gap * 8000) - samples
            self._marker = True
        self._last_send = now
        seq, self._seq = self._seq, (self._seq + 1) & 0xFFFF
        ts = self._ts
        if new_event:
            self._ts = (self._ts + samples) & 0xFFFFFFFF
        marker, self._marker = self._marker, False
        return seq, ts, marker

    def send_payload(self, payload: bytes, samples: int | None = None) -> None:
        """Send one G.711 frame in this leg's codec."""
        if self._transport is None or self.remote is None or self.plan is None:
            return
        seq, ts, marker = self._next(samples if samples is not None else len(payload))
        packet = RtpPacket(self.plan.pt, seq, ts, self.ssrc, payload, marker)
        self._transport.sendto(packet.to_bytes(), self.remote)
        self.stats.packets_sent += 1
        self.stats.octets_sent += len(payload)

    def send_pcm(self, pcm: Pcm) -> None:
        self.send_payload(g711.encode(pcm, self.codec), len(pcm))

    def send_dtmf(self, event: DtmfEvent, timestamp: int | None = None) -> None:
        """Relay or generate an RFC 4733 event packet (dropped if the far end has no DTMF type)."""
        if self._transport is None or self.remote is None or self.plan is None or self.plan.dtmf_pt is None:
            return
        seq, ts, marker = self._next(0, new_event=False)
        packet = RtpPacket(
            self.plan.dtmf_pt,
            seq,
            timestamp if timestamp is not None else ts,
            self.ssrc,
            event.to_bytes(),
            marker,
        )
        self._transport.sendto(packet.to_bytes(), self.remote)
        self.stats.packets_sent += 1
        self.stats.octets_sent += 4


class _RtcpEndpoint(asyncio.DatagramProtocol):
    """The RTCP port of a session: hands what arrives to it."""

    def __init__(self, session: RtpSession) -> None:
        self.session = session

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.session.rtcp_received(data, addr)

    def error_received(self, exc: Exception) -> None:
        pass  # the far end has no RTCP port open (sipp): ICMP unreachable


class PortPool:
    """Even ports from the configured RTP range (RTCP on the odd port after each), handed
    out and returned."""

    def __init__(self, first: int, last: int) -> None:
        start = first + (first % 2)
        self._free = list(range(start, last, 2))
        random.shuffle(self._free)
        self._used: dict[int, RtpSession] = {}

    async def open(self, host: str) -> RtpSession:
        """An opened session on a free port; ports the OS refuses are skipped."""
        for _ in range(len(self._free)):
            port = self._free.pop(0)
            session = RtpSession(host, port)
            try:
                await session.open()
            except OSError:
                self._free.append(port)
                continue
            self._used[port] = session
            return session
        raise RuntimeError("no free RTP port")

    def release(self, session: RtpSession) -> None:
        """Close the session and free its port (once: a port handed out again is not freed)."""
        session.close()
        if self._used.get(session.port) is session:
            del self._used[session.port]
            self._free.append(session.port)

    @property
    def in_use(self) -> int:
        return len(self._used)
