"""The switch's answers to requests it must refuse, over real UDP and TCP sockets: unknown
methods, exhausted Max-Forwards, unsupported extensions, unknown dialogs, unauthenticated
INVITEs, broken framing, floods. No sipp needed."""

from __future__ import annotations

import asyncio

from sipharness import (
    TIMEOUT,
    SwitchFactory,
    UdpPeer,
    make_switch_fixture,  # noqa: F401  (the fixture)
    request,
)

from helpline.adapters.telephony.sip.message import Response, parse_message
from helpline.adapters.telephony.sip.timers import TimerConfig


async def ask(port: int, data: bytes, timeout: float = TIMEOUT) -> Response | None:
    peer = UdpPeer()
    try:
        await peer.send(data, port)
        return await peer.final(timeout)
    finally:
        peer.close()


async def test_options_is_answered_with_what_the_switch_allows(make_switch: SwitchFactory) -> None:
    switch, _ = await make_switch()
    answer = await ask(switch.port, request("OPTIONS", 1))
    assert answer is not None and answer.status == 200
    assert "INVITE" in (answer.headers.get("allow") or "") and answer.to.tag


async def test_refusals(make_switch: SwitchFactory) -> None:
    switch, _ = await make_switch()
    port = switch.port
    cases = {
        501: request("FROB", 1, branch="z9hG4bK-frob"),
        405: request("SUBSCRIBE", 1, branch="z9hG4bK-sub"),
        483: request("INVITE", 1, branch="z9hG4bK-mf", max_forwards=0),
        420: request("INVITE", 1, branch="z9hG4bK-req", extra="Require: 100rel, foo\r\n"),
        481: request("BYE", 1, branch="z9hG4bK-bye", to_tag="nosuch"),
        404: request("INVITE", 1, uri="sip:999@127.0.0.1", branch="z9hG4bK-404"),
        416: request("INVITE", 1, uri="tel:+100", branch="z9hG4bK-tel"),
        415: request("INVITE", 1, branch="z9hG4bK-415", extra="Content-Type: text/plain\r\n", body="hi"),
        400: request("OPTIONS", 1, branch="z9hG4bK-cl").replace(b"Content-Length: 0", b"Content-Length: 50"),
    }
    for status, data in cases.items():
        answer = await ask(port, data)
        assert answer is not None and answer.status == status, (status, answer)
    unsupported = await ask(port, request("INVITE", 1, branch="z9hG4bK-req2", extra="Require: foo\r\n"))
    assert unsupported is not None and unsupported.headers.get("unsupported") == "foo"


async def test_garbage_gets_no_answer_and_the_switch_carries_on(make_switch: SwitchFactory) -> None:
    switch, _ = await make_switch()
    for junk in (b"\x00\xff" * 100, b"HELLO\r\n\r\n", b"SIP/2.0 200 OK\r\n\r\n", b"INVITE\r\n\r\n"):
        assert await ask(switch.port, junk, timeout=0.3) is None
    answer = await ask(switch.port, request("OPTIONS", 1))
    assert answer is not None and answer.status == 200


async def test_invite_from_an_unknown_source_is_challenged(make_switch: SwitchFactory) -> None:
    switch, _ = await make_switch(trusted_peers=())
    peer = UdpPeer()
    try:
        invite = request("INVITE", peer.port, branch="z9hG4bK-auth")
        await peer.send(invite, switch.port)
        answer = await peer.final()
        assert answer is not None and answer.status == 401
        assert (answer.headers.get("www-authenticate") or "").startswith("Digest realm=")
        await peer.send(invite, switch.port)  # a retransmission: the same answer, no new work
        again = await peer.final()
        assert again is not None and again.status == 401
        assert again.headers.get("www-authenticate") == answer.headers.get("www-authenticate")
        assert switch.calls == {}
    finally:
        peer.close()


async def test_tcp_framing_pipelining_keepalive_and_missing_length(make_switch: SwitchFactory) -> None:
    switch, _ = await make_switch()
    reader, writer = await asyncio.open_connection("127.0.0.1", switch.port)
    try:
        one = request("OPTIONS", 1, branch="z9hG4bK-p1", transport="TCP")
        two = request("OPTIONS", 1, branch="z9hG4bK-p2", transport="TCP")
        writer.write(b"\r\n\r\n" + one + two[:30])  # ping, a message, half of the next
        await writer.drain()
        assert await asyncio.wait_for(reader.readexactly(2), TIMEOUT) == b"\r\n"  # pong
        await asyncio.sleep(0.1)
        writer.write(two[30:])
        await writer.drain()
        answers = []
        for _ in range(2):
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            answers.append(parse_message(head, stream=True))
        assert [a.status for a in answers if isinstance(a, Response)] == [200, 200]
        no_length = request("OPTIONS", 1, branch="z9hG4bK-nl", transport="TCP").replace(
            b"Content-Length: 0\r\n", b""
        )
        writer.write(no_length)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert head.startswith(b"SIP/2.0 400")
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""  # framing lost: closed
    finally:
        writer.close()


async def test_a_flood_from_one_address_is_rate_limited(make_switch: SwitchFactory) -> None:
    switch, _ = await make_switch(rate_limit=50.0, rate_burst=100.0)
    peer = UdpPeer()
    try:
        for i in range(400):
            await peer.send(request("OPTIONS", peer.port, branch=f"z9hG4bK-flood{i}"), switch.port)
        answered = 0
        while await peer.recv(0.3) is not None:
            answered += 1
        assert 90 <= answered < 250
        assert switch.transport is not None and switch.transport.stats.rate_limited > 20
    finally:
        peer.close()


async def test_an_answer_never_acknowledged_is_retransmitted_then_ended(make_switch: SwitchFactory) -> None:
    switch, acd = await make_switch(timers=TimerConfig(t1=0.02, t2=0.08, t4=0.1))  # 64*T1 = 1.28 s
    peer = UdpPeer()
    try:
        sdp = (
            "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {peer.port + 2} RTP/AVP 0\r\n"
        )
        await peer.send(
            request(
                "INVITE",
                peer.port,
                branch="z9hG4bK-noack",
                extra="Content-Type: application/sdp\r\n",
                body=sdp,
            ),
            switch.port,
        )
        seen: list[int | str] = []
        while len(seen) < 50:
            try:
                data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(peer.sock, 65536), 3)
            except TimeoutError:
                break
            message = parse_message(data)
            if isinstance(message, Response):
                seen.append(message.status)
            else:
                seen.append(message.method)
                break
        assert seen[0] == 100 and seen.count(200) >= 4  # the 2xx, retransmitted while no ACK came
        assert seen[-1] == "BYE"  # then the switch gave up on the call
        await asyncio.sleep(0.1)
        assert switch.calls == {} and switch.stats()["rtp_ports_in_use"] == 0
        assert acd.events == []  # the call never reached the ACD
    finally:
        peer.close()
