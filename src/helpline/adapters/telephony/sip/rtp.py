"""RTP (RFC 3550) for one call leg: :class:`RtpSession`, an asyncio datagram endpoint on a
port from the switch's range (:class:`PortPool`), with its RTCP endpoint on the next (odd)
port: sender/receiver reports about every 5 s (``rtcp.py``). The packet is ``rtp_packet.py``,
the statistics ``rtp_stats.py``, DTMF events ``dtmf.py``.

A session sends G.711 frames (its own SSRC, sequence and timestamp) and hands what it
receives to ``on_packet`` (bridging, recording) and DTMF digits to ``on_dtmf``. Media
latching: until the first packet arrives, audio goes where the SDP said; after that, to
where the far end really sends from (NAT, and what sipp does).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

from helpline.adapters.telephony.sip import g711, rtcp
from helpline.adapters.telephony.sip.dtmf import DtmfDetector, DtmfEvent
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket as RtpPacket  # re-exported
from helpline.adapters.telephony.sip.rtp_stats import FarEndReport, RtpStats, SourceStats
from helpline.adapters.telephony.sip.sdp import AudioPlan

SAMPLES_PER_FRAME = 160  # 20 ms at 8 kHz
MAX_SOURCES = 8


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
