"""The media part of ``sip_load.py``: N callers on music on hold, received by one Python
client with kernel receive timestamps (``SO_TIMESTAMPNS``), so the client's own scheduling
does not count as the switch's jitter. Reports RFC 3550 interarrival jitter, the deviation
of packet spacing from 20 ms (p50/p99), loss, and the switch's CPU and memory meanwhile."""

from __future__ import annotations

import random
import re
import selectors
import socket
import struct
import time
from typing import Any, Protocol

import numpy as np

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; Python does not name it


class Switch(Protocol):
    port: int

    def cpu_seconds(self) -> float: ...

    def rss_mb(self) -> float: ...

    def stop(self) -> None: ...


def sip_invite(call: int, sip_port: int, local_sip: int, rtp_port: int, switch_port: int) -> bytes:
    body = (
        f"v=0\r\no=b {call} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {rtp_port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    )
    return (
        f"INVITE sip:100@127.0.0.1:{switch_port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{local_sip};branch=z9hG4bK-b{call}\r\n"
        f"From: <sip:555{call:05d}@127.0.0.1>;tag=f{call}\r\nTo: <sip:100@127.0.0.1>\r\n"
        f"Call-ID: bench-{call}@127.0.0.1\r\nCSeq: 1 INVITE\r\n"
        f"Contact: <sip:555{call:05d}@127.0.0.1:{local_sip}>\r\nMax-Forwards: 70\r\n"
        f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def in_dialog(method: str, call: int, local_sip: int, switch_port: int, to_tag: str, cseq: int) -> bytes:
    return (
        f"{method} sip:100@127.0.0.1:{switch_port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{local_sip};branch=z9hG4bK-{method}{call}-{random.getrandbits(32)}\r\n"
        f"From: <sip:555{call:05d}@127.0.0.1>;tag=f{call}\r\nTo: <sip:100@127.0.0.1>;tag={to_tag}\r\n"
        f"Call-ID: bench-{call}@127.0.0.1\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
        f"Content-Length: 0\r\n\r\n"
    ).encode()


def media(switch: Switch, count: int, seconds: float) -> dict[str, Any]:
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.bind(("127.0.0.1", 0))
    sip.settimeout(5)
    local_sip = sip.getsockname()[1]
    rtp: list[socket.socket] = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        rtp.append(sock)
    tags: dict[int, str] = {}
    for call, sock in enumerate(rtp):
        sip.sendto(
            sip_invite(call, 0, local_sip, sock.getsockname()[1], switch.port), ("127.0.0.1", switch.port)
        )
    while len(tags) < count:
        data = sip.recv(65536).decode(errors="replace")
        if data.startswith("SIP/2.0 200"):
            call = int(re.search(r"Call-ID: bench-(\d+)@", data).group(1))  # type: ignore[union-attr]
            tag = re.search(r"^To:.*;tag=([^;\r\n]+)", data, re.M).group(1)  # type: ignore[union-attr]
            if call not in tags:
                tags[call] = tag
                sip.sendto(in_dialog("ACK", call, local_sip, switch.port, tag, 1), ("127.0.0.1", switch.port))
    selector = selectors.DefaultSelector()
    for call, sock in enumerate(rtp):
        selector.register(sock, selectors.EVENT_READ, call)
    arrivals: list[list[tuple[float, int, int]]] = [[] for _ in rtp]  # (arrival, seq, rtp timestamp)
    time.sleep(1.0)  # past the IVR: every caller is on music on hold now
    for sock in rtp:  # drop what queued up while the calls were being set up
        while True:
            try:
                sock.recv(2048)
            except BlockingIOError:
                break
    rtcp_packets = 0
    cpu_before, started = switch.cpu_seconds(), time.perf_counter()
    while time.perf_counter() - started < seconds:
        for key, _ in selector.select(timeout=0.1):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            while True:
                try:
                    data, ancillary, _, _ = sock.recvmsg(2048, 64)
                except BlockingIOError:
                    break
                stamp = next(
                    (
                        struct.unpack("qq", d[:16])
                        for level, kind, d in ancillary
                        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS
                    ),
                    None,
                )
                arrival = stamp[0] + stamp[1] / 1e9 if stamp else time.time()
                if len(data) < 12 or 192 <= data[1] <= 223:
                    # RTCP: the switch reports to the SDP port + 1 (RFC 3550 §11), which for
                    # these ephemeral sockets can be another call's RTP port; not RTP
                    rtcp_packets += 1
                    continue
                seq, ts = struct.unpack("!HI", data[2:8])
                arrivals[key.data].append((arrival, seq, ts))
    elapsed = time.perf_counter() - started
    cpu, rss = switch.cpu_seconds() - cpu_before, switch.rss_mb()
    for call, tag in tags.items():
        sip.sendto(in_dialog("BYE", call, local_sip, switch.port, tag, 2), ("127.0.0.1", switch.port))
    time.sleep(0.5)
    switch.stop()
    return {
        "calls": count,
        **stream_figures(arrivals, elapsed),
        "rtcp_packets": rtcp_packets,
        "switch_cpu_pct": round(100 * cpu / elapsed, 1),
        "switch_rss_mb": round(rss, 1),
    }


def stream_figures(arrivals: list[list[tuple[float, int, int]]], elapsed: float) -> dict[str, Any]:
    jitters, spacing, lost, received = [], [], 0, 0
    for packets in arrivals:
        if len(packets) < 3:
            lost += int(elapsed / 0.02)
            continue
        times = np.array([p[0] for p in packets])
        stamps = np.array([p[2] for p in packets], dtype=np.int64) / 8000.0
        seqs = np.array([p[1] for p in packets], dtype=np.int64)
        transit = times - stamps
        jitter = 0.0
        for d in np.abs(np.diff(transit)):  # RFC 3550 A.8
            jitter += (d - jitter) / 16
        jitters.append(jitter * 1000)
        spacing.extend(np.abs(np.diff(times) - 0.02) * 1000)
        received += len(packets)
        lost += int((np.diff(seqs) % 65536 - 1).clip(min=0).sum())
    return {
        "packets": received,
        "loss_pct": round(100 * lost / max(1, received + lost), 3),
        "jitter_ms_p50": round(float(np.percentile(jitters, 50)), 3) if jitters else None,
        "jitter_ms_p99": round(float(np.percentile(jitters, 99)), 3) if jitters else None,
        "spacing_dev_ms_p50": round(float(np.percentile(spacing, 50)), 3) if spacing else None,
        "spacing_dev_ms_p99": round(float(np.percentile(spacing, 99)), 3) if spacing else None,
    }
