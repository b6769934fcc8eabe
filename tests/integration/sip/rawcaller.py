"""A caller made of plain sockets, for tests that must see exactly what arrives when (the
183 before the 200, the ringback's frequency, our RTCP reports): SIP on one UDP socket, RTP
on an even port, RTCP on the next.

Test modules import the fixture (``caller_factory_fixture``) from here, as they do
``sipharness``'s.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable

import numpy as np
import pytest
from sipharness import free_even_port

from helpline.adapters.telephony.sip import g711, rtcp
from helpline.adapters.telephony.sip.message import Response, parse_message
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket


def _socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


class RawCaller:
    """A caller made of sockets: SIP on one, RTP on an even port, RTCP on the next."""

    def __init__(self, switch_port: int) -> None:
        self.switch_port = switch_port
        self.sip = _socket()
        self.port = self.sip.getsockname()[1]
        media = free_even_port()
        self.rtp, self.rtcp = _socket(media), _socket(media + 1)
        self.media_port = media
        self.call_id = f"raw-{media}@test"
        self.to_tag = ""
        self.cseq = 1
        self.received: list[tuple[float, RtpPacket]] = []
        self.reports: list[rtcp.RtcpReport] = []
        self.responses: list[tuple[float, Response]] = []
        self._tasks = [asyncio.create_task(self._read_rtp()), asyncio.create_task(self._read_rtcp())]

    def _headers(self, method: str, cseq: int, branch: str) -> str:
        to = "<sip:100@127.0.0.1>" + (f";tag={self.to_tag}" if self.to_tag else "")
        return (
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch={branch};rport\r\n"
            f'From: "来电" <sip:13800138000@127.0.0.1>;tag=caller1\r\nTo: {to}\r\n'
            f"Call-ID: {self.call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
            f"Contact: <sip:13800138000@127.0.0.1:{self.port}>\r\n"
        )

    async def send(
        self,
        method: str,
        *,
        body: str = "",
        content_type: str = "",
        cseq: int | None = None,
        branch: str | None = None,
    ) -> None:
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        head = f"{method} sip:100@127.0.0.1:{self.switch_port} SIP/2.0\r\n"
        head += self._headers(method, cseq, branch or f"z9hG4bK-{method}-{cseq}")
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        data = f"{head}Content-Length: {len(body.encode())}\r\n\r\n{body}".encode()
        await asyncio.get_running_loop().sock_sendto(self.sip, data, ("127.0.0.1", self.switch_port))

    async def invite(self) -> None:
        sdp = (
            "v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {self.media_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
        )
        await self.send("INVITE", body=sdp, content_type="application/sdp", cseq=1, branch="z9hG4bK-inv1")

    async def response(self, status: int, method: str = "INVITE", timeout: float = 5.0) -> Response:
        """Wait for a response with ``status`` to ``method`` (all are kept in ``responses``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            data = await asyncio.wait_for(loop.sock_recv(self.sip, 65536), max(0.01, deadline - loop.time()))
            message = parse_message(data)
            if not isinstance(message, Response):
                continue
            self.responses.append((time.monotonic(), message))
            if message.to.tag:
                self.to_tag = message.to.tag
            if message.status == status and message.cseq.method == method:
                return message

    async def ack(self) -> None:
        await self.send("ACK", cseq=1, branch="z9hG4bK-ack1")

    async def _read_rtp(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await loop.sock_recv(self.rtp, 2048)
            packet = RtpPacket.parse(data)
            if packet is not None:
                self.received.append((time.monotonic(), packet))

    async def _read_rtcp(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await loop.sock_recv(self.rtcp, 2048)
            report = rtcp.parse(data)
            if report is not None:
                self.reports.append(report)

    def audio(self, *, before: float | None = None) -> np.ndarray:
        payloads = [p.payload for at, p in self.received if p.pt == 0 and (before is None or at < before)]
        return g711.decode(b"".join(payloads), "PCMU").astype(np.float64)

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for sock in (self.sip, self.rtp, self.rtcp):
            sock.close()


def peak_frequencies(pcm: np.ndarray, count: int) -> list[float]:
    """The ``count`` strongest frequencies (Hz, 10 Hz resolution) of 8 kHz audio."""
    spectrum = np.abs(np.fft.rfft(pcm))
    freqs = np.fft.rfftfreq(len(pcm), 1 / 8000)
    peaks: list[float] = []
    for index in np.argsort(spectrum)[::-1]:
        if all(abs(freqs[index] - p) > 15 for p in peaks):
            peaks.append(float(freqs[index]))
        if len(peaks) == count:
            break
    return sorted(peaks)


async def talk(caller: RawCaller, remote_port: int, seconds: float, freq: float = 300.0) -> None:
    """The caller says a steady tone (PCMU, 20 ms frames)."""
    t = np.arange(160) / 8000
    for i in range(int(seconds * 50)):
        frame = (np.sin(2 * np.pi * freq * (t + i * 0.02)) * 8000).astype(np.int16)
        packet = RtpPacket(0, i, i * 160, 0xCA11E4, g711.encode(frame, "PCMU"))
        caller.rtp.sendto(packet.to_bytes(), ("127.0.0.1", remote_port))
        await asyncio.sleep(0.02)


CallerFactory = Callable[[int], RawCaller]


@pytest.fixture(name="caller_factory")
async def caller_factory_fixture() -> AsyncIterator[CallerFactory]:
    """Callers made of sockets, closed after the test."""
    made: list[RawCaller] = []

    def make(port: int) -> RawCaller:
        made.append(RawCaller(port))
        return made[-1]

    yield make
    for caller in made:
        caller.close()
