"""SIP over UDP and TCP on asyncio, with a per-address rate limit (RFC 3261 §18).

The transport turns bytes into parsed messages for one handler, answers what cannot be
parsed with 400/505/513 when the request is readable enough to be answered (else drops
it), and never lets a bad message or a failing handler stop it. TCP is framed by
Content-Length (required on streams); a connection that breaks framing, idles, sends a
header block that is too large or does not read what we write is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.headers import Via
from helpline.adapters.telephony.sip.message import (
    MAX_MESSAGE,
    Request,
    Response,
    error_response,
    parse_message,
)
from helpline.adapters.telephony.sip.uri import split_quoted

log = structlog.get_logger("helpline.sip.transport")
Handler = Callable[[Request | Response, Address], None]
_CONTENT_LENGTH = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*([0-9]{1,7})[ \t]*\r?$", re.I | re.M)
MAX_WRITE_BUFFER = 1 << 20
UDP_RECEIVE_BUFFER = 4 << 20
MAX_ACCEPTED_REMEMBERED = 10000


class RateLimiter:
    """A token bucket per host: ``rate`` messages a second, bursts up to ``burst``."""

    def __init__(
        self, clock: Callable[[], float], rate: float = 200.0, burst: float = 400.0, max_hosts: int = 10000
    ) -> None:
        self.clock = clock
        self.rate = rate
        self.burst = burst
        self.max_hosts = max_hosts
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self.dropped = 0

    def allow(self, host: str) -> bool:
        now = self.clock()
        tokens, last = self._buckets.pop(host, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[host] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_hosts:
            self._buckets.popitem(last=False)
        if not allowed:
            self.dropped += 1
        return allowed


@dataclass
class TransportStats:
    received: int = 0
    parse_errors: int = 0
    error_responses: int = 0
    rate_limited: int = 0
    handler_errors: int = 0
    tcp_connections: int = 0


def stamp_via(request: Request, source: Address) -> None:
    """RFC 3261 §18.2.1 and RFC 3581: note in the top Via where the request really came from."""
    lines = request.headers.raw("via")
    if not lines:
        return
    values = split_quoted(lines[0], ",")
    top = values[0].strip()
    via = Via.parse(top)
    if "rport" in via.params:
        via.params["rport"] = str(source.port)
        via.params["received"] = source.host
    elif via.host.strip("[]") != source.host:
        via.params["received"] = source.host
    else:
        return
    request.headers.replace_first("via", ", ".join([str(via), *[v.strip() for v in values[1:]]]))


class SipTransport:
    def __init__(
        self,
        host: str,
        port: int,
        handler: Handler,
        limiter: RateLimiter,
        *,
        tcp: bool = True,
        max_tcp_connections: int = 512,
        tcp_idle_timeout: float = 300.0,
    ) -> None:
        self.host = host
        self.port = port
        self.handler = handler
        self.limiter = limiter
        self.tcp_enabled = tcp
        self.max_tcp_connections = max_tcp_connections
        self.tcp_idle_timeout = tcp_idle_timeout
        self.stats = TransportStats()
        self._udp: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None
        self._conns: dict[tuple[str, int], asyncio.StreamWriter] = {}
        # peers that connected to us: their ports are ephemeral, so a message for one whose
        # connection is gone is dropped rather than sent on a new connection (RFC 5626 §5.3)
        self._accepted: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._outbox: dict[tuple[str, int], list[bytes]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(self), local_addr=(self.host, self.port)
        )
        self._udp = transport
        self.port = transport.get_extra_info("sockname")[1]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # absorb bursts (a best effort: the OS may cap it)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)
        if self.tcp_enabled:
            self._server = await asyncio.start_server(
                self._accept, self.host, self.port, limit=MAX_MESSAGE + 1024
            )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._conns.values()):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None
        if self._udp is not None:
            self._udp.close()
            self._udp = None

    # -- sending ----------------------------------------------------------------------------

    def send(self, data: bytes, dest: Address) -> None:
        if dest.transport == "UDP":
            if self._udp is not None:
                self._udp.sendto(data, (dest.host, dest.port))
            return
        key = (dest.host, dest.port)
        writer = self._conns.get(key)
        if writer is not None and not writer.is_closing():
            self._write(key, writer, data)
        elif key in self._accepted:
            log.debug("tcp_peer_gone", peer=key)
        elif key in self._outbox:
            self._outbox[key].append(data)
        else:
            self._outbox[key] = [data]
            self._spawn(self._connect(key))

    def _write(self, key: tuple[str, int], writer: asyncio.StreamWriter, data: bytes) -> None:
        if writer.transport.get_write_buffer_size() > MAX_WRITE_BUFFER:
            writer.close()  # the peer does not read: drop it rather than buffer forever
            self._conns.pop(key, None)
            return
        writer.write(data)

    async def _connect(self, key: tuple[str, int]) -> None:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*key), 5.0)
        except (OSError, TimeoutError) as exc:
            log.info("tcp_connect_failed", peer=key, error=str(exc))
            self._outbox.pop(key, None)
            return
        self._conns[key] = writer
        for data in self._outbox.pop(key, []):
            self._write(key, writer, data)
        await self._serve_connection(reader, writer, key)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def connected(self, dest: Address) -> bool:
        """Whether a message to ``dest`` can go out now (UDP always; TCP on a live connection)."""
        if dest.transport == "UDP":
            return True
        writer = self._conns.get((dest.host, dest.port))
        return writer is not None and not writer.is_closing()

    # -- receiving --------------------------------------------------------------------------

    def deliver(self, data: bytes, source: Address, *, stream: bool = False) -> None:
        """Parse ``data`` from ``source`` and give it to the handler; never raises."""
        if not self.limiter.allow(source.host):
            self.stats.rate_limited += 1
            return
        self.stats.received += 1
        try:
            message = parse_message(data, stream=stream)
        except SipParseError as exc:
            self.stats.parse_errors += 1
            answer = error_response(exc)
            if answer is not None:
                self.stats.error_responses += 1
                self.send(answer, source)
            return
        try:
            if isinstance(message, Request):
                stamp_via(message, source)
            self.handler(message, source)
        except Exception:
            self.stats.handler_errors += 1
            log.exception("sip_handler_failed", source=str(source))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        key = (peer[0], peer[1])
        if len(self._conns) >= self.max_tcp_connections or not self.limiter.allow(key[0]):
            writer.close()
            return
        self._conns[key] = writer
        self._accepted[key] = None
        while len(self._accepted) > MAX_ACCEPTED_REMEMBERED:
            self._accepted.popitem(last=False)
        self.stats.tcp_connections += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await self._serve_connection(reader, writer, key)

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: tuple[str, int]
    ) -> None:
        source = Address(key[0], key[1], "TCP")
        buffer = b""
        try:
            while True:
                chunk = await asyncio.wait_for(reader.read(65536), self.tcp_idle_timeout)
                if not chunk:
                    return
                buffer += chunk
                buffer = self._frames(buffer, source, writer)
                if len(buffer) > MAX_MESSAGE:
                    return  # a header block or body that never ends
        except (TimeoutError, ConnectionError, _FramingError):
            return
        finally:
            if self._conns.get(key) is writer:
                del self._conns[key]
            writer.close()

    def _frames(self, buffer: bytes, source: Address, writer: asyncio.StreamWriter) -> bytes:
        """Deliver every complete message in ``buffer``; returns the incomplete rest."""
        while True:
            if buffer.startswith(b"\r\n\r\n"):  # RFC 5626 keep-alive ping: pong
                writer.write(b"\r\n")
                buffer = buffer[4:]
                continue
            if buffer[:1] in (b"\r", b"\n"):  # stray line ends between messages (or half a ping)
                if len(buffer) < 4:
                    return buffer
                buffer = buffer[1:]
                continue
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return buffer
            head = buffer[: end + 4]
            lengths = _CONTENT_LENGTH.findall(head)
            if len(set(lengths)) != 1:
                self.deliver(head, source, stream=True)  # answers the missing/conflicting length
                raise _FramingError
            total = end + 4 + int(lengths[0])
            if total > MAX_MESSAGE:
                self.deliver(head, source, stream=True)
                raise _FramingError
            if len(buffer) < total:
                return buffer
            self.deliver(buffer[:total], source, stream=True)
            buffer = buffer[total:]


class _FramingError(Exception):
    pass


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, owner: SipTransport) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        if not data.strip(b"\r\n\x00 "):
            return  # keep-alive
        self.owner.deliver(data, Address(str(addr[0]), int(addr[1]), "UDP"))

    def error_received(self, exc: Exception) -> None:
        log.debug("udp_error", error=str(exc))
