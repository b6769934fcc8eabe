"""Thousands of mutated and hostile SIP messages over UDP and TCP, then a normal call: the
switch must answer or drop each one, never fail inside, and still complete the call."""

from __future__ import annotations

import asyncio
import random
import socket

from sipharness import (  # noqa: F401  (fixtures)
    Sipp,
    SwitchFactory,
    UdpPeer,
    free_even_port,
    free_port,
    make_switch_fixture,
    needs_sipp,
    pcap,
    request,
    sipp_fixture,
)

SDP = (
    "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
)
SEED = 20240601


def corpus(port: int) -> list[bytes]:
    """Valid messages of every kind the switch handles (calls to a number that is not
    inbound, so a mutation rarely becomes a real call)."""
    return [
        request("INVITE", port, uri="sip:999@127.0.0.1", extra="Content-Type: application/sdp\r\n", body=SDP),
        request(
            "REGISTER",
            port,
            uri="sip:127.0.0.1",
            extra="Contact: <sip:201@127.0.0.1:5099>\r\nExpires: 60\r\n",
        ),
        request(
            "REGISTER",
            port,
            uri="sip:127.0.0.1",
            extra=(
                'Authorization: Digest username="201", realm="helpline", nonce="abc.def", '
                'uri="sip:127.0.0.1", response="00000000000000000000000000000000", qop=auth, '
                'nc=00000001, cnonce="x"\r\nContact: <sip:201@127.0.0.1:5099>\r\n'
            ),
        ),
        request("OPTIONS", port),
        request("BYE", port, to_tag="abc"),
        request("ACK", port, to_tag="abc"),
        request("CANCEL", port),
        request(
            "INFO",
            port,
            to_tag="abc",
            extra="Content-Type: application/dtmf-relay\r\n",
            body="Signal=5\r\nDuration=100\r\n",
        ),
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-x\r\nFrom: <sip:a@b>;tag=1\r\n"
        b"To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    ]


TOKENS = [
    b"\r\n",
    b"\r\n\r\n",
    b":",
    b";",
    b",",
    b"<",
    b">",
    b'"',
    b"\\",
    b"@",
    b"sip:",
    b"SIP/2.0",
    b"Content-Length: 99999\r\n",
    b"l: -1\r\n",
    b"Via: SIP/2.0/UDP\r\n",
    b"CSeq: 9999999999999 X\r\n",
    b"\x00",
    b"\xff\xfe",
    b"%00",
    b";branch=",
    b";tag=",
    b"z9hG4bK",
    b"Max-Forwards: 0\r\n",
    "²".encode(),
    b"[::1",
    b"Require: x\r\n",
    b"To: <sip:100@127.0.0.1>;tag=\r\n",
]


def mutate(rng: random.Random, message: bytes) -> bytes:
    data = bytearray(message)
    for _ in range(rng.randint(1, 6)):
        choice = rng.random()
        pos = rng.randrange(len(data) + 1)
        if choice < 0.2 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.35:
            data[pos:pos] = rng.choice(TOKENS)
        elif choice < 0.5 and data:
            del data[pos : pos + rng.randint(1, 40)]
        elif choice < 0.6:
            data = data[: rng.randrange(len(data) + 1)]  # truncated
        elif choice < 0.7:
            lines = bytes(data).split(b"\r\n")
            if len(lines) > 2:
                i = rng.randrange(1, len(lines))
                lines.insert(i, lines[i] * rng.randint(1, 3))
                data = bytearray(b"\r\n".join(lines))
        elif choice < 0.78:
            data[pos:pos] = b"X-Junk: " + b"A" * rng.choice((100, 5000, 20000)) + b"\r\n"
        elif choice < 0.85:
            data[pos:pos] = b"".join(b"X-H%d: v\r\n" % i for i in range(rng.choice((50, 150))))
        elif choice < 0.92:
            data = bytearray(bytes(data).replace(b"\r\n", b"\n", rng.randint(1, 5)))
        else:
            data[pos:pos] = rng.randbytes(rng.randint(1, 64))
    return bytes(data[:65000])


async def fuzz_udp(port: int, count: int) -> None:
    rng = random.Random(SEED)
    peer = UdpPeer()
    base = corpus(peer.port)
    try:
        for i in range(count):
            kind = rng.random()
            if kind < 0.85:
                data = mutate(rng, rng.choice(base))
            elif kind < 0.95:
                data = rng.randbytes(rng.randint(1, 1500))
            else:
                data = rng.choice(base)
            if data:
                await peer.send(data, port)
            if i % 50 == 0:
                await asyncio.sleep(0.005)  # let the switch keep up (drops are fine too)
                while await peer.recv(0) is not None:
                    pass
    finally:
        peer.close()


async def fuzz_tcp(port: int, streams: int) -> None:
    rng = random.Random(SEED + 1)
    base = [m.replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP") for m in corpus(9)]
    for _ in range(streams):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            continue
        try:
            stream = b"".join(
                mutate(rng, rng.choice(base)) if rng.random() < 0.8 else rng.choice(base)
                for _ in range(rng.randint(1, 8))
            )
            if rng.random() < 0.1:
                stream += b"OPTIONS sip:x SIP/2.0\r\n" + b"X: " + b"B" * 70000  # never-ending headers
            while stream:
                cut = rng.randint(1, 4000)
                writer.write(stream[:cut])
                stream = stream[cut:]
                await writer.drain()
            await asyncio.sleep(0)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


async def options_answered(port: int) -> bool:
    peer = UdpPeer()
    try:
        await peer.send(request("OPTIONS", peer.port, branch=f"z9hG4bK-alive{random.getrandbits(32)}"), port)
        answer = await peer.final(2.0)
        return answer is not None and answer.status == 200
    finally:
        peer.close()


@needs_sipp
async def test_switch_survives_a_fuzz_storm_and_still_completes_a_call(
    make_switch: SwitchFactory, sipp: Sipp
) -> None:
    base = random.randrange(40000, 50000, 1000)
    switch, acd = await make_switch(
        rate_limit=100000.0, rate_burst=100000.0, rtp_port_range=(base, base + 1000)
    )
    await asyncio.gather(fuzz_udp(switch.port, 4000), fuzz_tcp(switch.port, 60))
    # a slow connection that never finishes its headers must not hold anything up
    idle = socket.create_connection(("127.0.0.1", switch.port))
    idle.sendall(b"INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 1.2.3.4")
    try:
        assert await options_answered(switch.port)
        stats = switch.transport.stats if switch.transport else None
        assert stats is not None and stats.received > 2000 and stats.parse_errors > 1000
        assert stats.handler_errors == 0  # every message was answered or dropped, no exception
        scenario = sipp.scenario(
            "uac_dtmf.xml", before_dtmf=600, hold_for=800, dtmf_pcap=pcap("dtmf_2833_5.pcap")
        )
        result = await sipp.run(
            scenario,
            "-s",
            "100",
            f"127.0.0.1:{switch.port}",
            "-p",
            str(free_port()),
            "-mp",
            str(free_even_port()),
            "-rtp_echo",
        )
        assert result.returncode == 0, str(result)
        arrived = await asyncio.wait_for(acd.arrived.get(), 5)
        while arrived.callee != "100" or arrived.digits != "5":  # a mutant may have become a call
            arrived = await asyncio.wait_for(acd.arrived.get(), 5)
    finally:
        idle.close()
