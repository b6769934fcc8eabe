"""Calls out through the trunk on real SIP, through the whole platform: a sipp UAS stands in
for the carrier (it checks the number and the caller ID it is sent), sipp UASes for the
agents' phones. An agent's dial-out rings the agent's own phone, then the carrier, and
bridges the two; the IVR's transfer node sends the caller to the carrier; a consult can
reach an outside number; and a stranger cannot use the switch to call out."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from liveserver import LiveSip, start_live_sip
from sipharness import (  # noqa: F401  (fixtures)
    Sipp,
    SippResult,
    UdpPeer,
    free_even_port,
    free_port,
    needs_sipp,
    pcap,
    request,
    sipp_fixture,
)
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from test_sip_platform import register_phone

from helpline.adapters.db.tables.telephony import CallbackRequest
from helpline.adapters.telephony.sip.calls import SwitchCall
from helpline.app.ivr.flows import DEMO_FLOW

pytestmark = needs_sipp
CALLER_ID = "02150001234"
SDP = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


@pytest.fixture(scope="module")
def trunk_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, trunk_port: int) -> Iterator[LiveSip]:
    yield from start_live_sip(
        tmp_path_factory.mktemp("sip-outbound"), sip_trunk=f"127.0.0.1:{trunk_port}", sip_caller_id=CALLER_ID
    )


def carrier(
    sipp: Sipp, trunk_port: int, number: str, *extra: str, ring_for: int = 300
) -> asyncio.Task[SippResult]:
    """The carrier: answers one call to ``number`` presenting our caller ID, then talks."""
    scenario = sipp.scenario(
        "uas_trunk.xml", number=number, caller_id=CALLER_ID, ring_for=ring_for, audio_pcap=pcap("g711a.pcap")
    )
    return asyncio.create_task(
        sipp.run(scenario, "-p", str(trunk_port), "-mp", str(free_even_port()), *extra, timeout=30)
    )


def agent_phone(sipp: Sipp, port: int, *extra: str) -> asyncio.Task[SippResult]:
    scenario = sipp.scenario("uas_agent.xml", ring_for=100, audio_pcap=pcap("g711a.pcap"))
    return asyncio.create_task(
        sipp.run(scenario, "-p", str(port), "-mp", str(free_even_port()), *extra, timeout=30)
    )


async def until(check: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def finished(*tasks: asyncio.Task[SippResult]) -> None:
    for task in tasks:
        result = await asyncio.wait_for(task, 40)
        assert result.returncode == 0, str(result)


def switch_call(live: LiveSip, call_id: str) -> SwitchCall:
    assert live.container.sip is not None
    return live.container.sip.switch.calls[call_id]


async def test_agent_dial_out_reaches_the_trunk_with_the_caller_id_and_is_bridged(
    live: LiveSip, sipp: Sipp, trunk_port: int
) -> None:
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        port = await register_phone(live, sipp, "8001", "agent123")
        await agent.post("/agents/me/login")
        far_end = carrier(sipp, trunk_port, "13800138000", "-rtp_echo", ring_for=1500)
        phone = agent_phone(sipp, port)
        answer = await agent.post("/calls/dial", {"number": "13800138000"})  # 外拨
        call_id = answer["call_id"]
        call = await leader.until(f"/calls/{call_id}", lambda r: r["answered_at"] is not None)
        assert call["agent_id"] == agent.user_id and call["direction"] == "outbound"
        assert (await agent.get("/agents/me"))["state"] == "talking"
        bridged = switch_call(live, call_id)
        assert bridged.bridged == agent.user_id
        first = agent.user_id
        await until(lambda: bridged.relayed.get(f"caller<{first}", 0) > 25)  # the agent's voice goes out
        await until(lambda: bridged.relayed.get(f"{first}<caller", 0) > 25)  # the far end's comes back
        # while the carrier rang (1.5 s), the agent's phone heard ringback from the switch
        agent_leg = bridged.agent_legs[first]
        assert agent_leg.rtp.stats.packets_sent - bridged.relayed[f"{first}<caller"] > 40
        await agent.post(f"/calls/{call_id}/hangup")  # the agent hangs up: both lines are released
        await finished(far_end, phone)
        record = await leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "agent" and record["talk_seconds"] > 0
        assert live.container.sip is not None and call_id not in live.container.sip.switch.calls
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


async def test_the_ivr_transfer_node_sends_the_caller_out_through_the_trunk(
    live: LiveSip, sipp: Sipp, trunk_port: int
) -> None:
    admin, leader = live.api("admin", "admin123"), live.api("leader", "leader123")
    flow = {"start": "out", "nodes": {"out": {"type": "transfer", "number": "13900139000"}}}
    try:
        response = await admin.client.put("/ivr/flows/default", json={"name": "out", "definition": flow})
        assert response.status_code == 200, response.text
        far_end = carrier(sipp, trunk_port, "13900139000")
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario(
                    "uac_dtmf.xml", before_dtmf=200, hold_for=3000, dtmf_pcap=pcap("dtmf_2833_1.pcap")
                ),
                "-s",
                "100",
                f"127.0.0.1:{live.sip_port}",
                "-p",
                str(free_port()),
                "-mp",
                str(free_even_port()),
                "-rtp_echo",
                timeout=30,
            )
        )
        assert live.container.sip is not None
        switch = live.container.sip.switch
        await until(lambda: any(c.detached and c.bridged for c in switch.calls.values()))
        [call] = [c for c in switch.calls.values() if c.detached]
        party = "number:13900139000"
        await until(lambda: call.relayed.get(f"caller<{party}", 0) > 25)  # the carrier's audio
        await until(lambda: call.relayed.get(f"{party}<caller", 0) > 25)  # and the caller's echo of it
        await finished(caller, far_end)  # the caller hangs up; the carrier's leg is released
        record = await leader.until(f"/calls/{call.call_id}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "transfer"
        assert call.call_id not in switch.calls
    finally:
        await admin.client.put("/ivr/flows/default", json={"name": "demo", "definition": DEMO_FLOW})
        await admin.aclose()
        await leader.aclose()


@pytest.mark.parametrize("source", ["127.0.0.1", "127.0.0.2"])
async def test_a_strangers_invite_to_an_outside_number_is_refused(live: LiveSip, source: str) -> None:
    """Trusted (a trunk's address) or not, nobody but an authenticated agent calls out."""
    peer = UdpPeer()
    try:
        if source != "127.0.0.1":
            peer.sock.close()
            peer.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            peer.sock.bind((source, 0))
            peer.sock.setblocking(False)
            peer.port = int(peer.sock.getsockname()[1])
        invite = request(
            "INVITE",
            peer.port,
            uri="sip:13800138000@127.0.0.1",
            branch=f"z9hG4bK-relay-{source}",
            extra="Content-Type: application/sdp\r\n",
            body=SDP,
        )
        await peer.send(invite, live.sip_port)
        answer = await peer.final()
        assert answer is not None and answer.status in (403, 404), answer
        assert live.container.sip is not None and live.container.sip.switch.calls == {}
    finally:
        peer.close()


def phone_dials(sipp: Sipp, live: LiveSip, port: int, number: str) -> asyncio.Task[SippResult]:
    """agent1's desk phone (registered from ``port``) calls ``number`` with its credentials."""
    scenario = sipp.scenario(
        "uac_agent_dial.xml", extension="8001", hold_for=3000, audio_pcap=pcap("g711a.pcap")
    )
    return asyncio.create_task(
        sipp.run(
            scenario,
            "-s",
            number,
            "-au",
            "8001",
            "-ap",
            "agent123",
            f"127.0.0.1:{live.sip_port}",
            "-p",
            str(port),
            "-mp",
            str(free_even_port()),
            timeout=30,
        )
    )


@pytest.mark.parametrize("number", ["13700137000", "8002"])
async def test_an_agents_own_phone_calls_out_or_calls_a_colleagues_extension(
    live: LiveSip, sipp: Sipp, trunk_port: int, number: str
) -> None:
    """The phone is challenged, proves it is 8001, and the call is booked as agent1's
    dial-out: to the carrier for an outside number, to agent2's phone for extension 8002."""
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        port = await register_phone(live, sipp, "8001", "agent123")
        if number == "8002":
            far_end = agent_phone(sipp, await register_phone(live, sipp, "8002", "agent123"), "-rtp_echo")
        else:
            far_end = carrier(sipp, trunk_port, number, "-rtp_echo")
        await agent.post("/agents/me/login")
        phone = phone_dials(sipp, live, port, number)
        assert live.container.sip is not None
        switch = live.container.sip.switch
        await until(lambda: any(c.outbound and c.relays for c in switch.calls.values()))
        [call] = [c for c in switch.calls.values() if c.outbound]
        me = agent.user_id
        await until(lambda: call.relayed.get(f"caller<{me}", 0) > 25)  # the phone's voice goes out
        await until(lambda: call.relayed.get(f"{me}<caller", 0) > 25)  # the far end's echo comes back
        record = await leader.get(f"/calls/{call.call_id}")
        assert record["agent_id"] == me and record["callee"] == number and record["answered_at"]
        await finished(phone, far_end)  # the agent's phone hangs up; the far end is released
        record = await leader.until(f"/calls/{call.call_id}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "agent"
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


@pytest.mark.parametrize("how", ["blind", "consult"])
async def test_a_caller_is_transferred_to_an_outside_number(
    live: LiveSip, sipp: Sipp, trunk_port: int, how: str
) -> None:
    """Blind (盲转): agent1's phone is released and the caller hears the carrier. Attended
    (咨询转): agent1 talks to the outside party first, then completes the transfer."""
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    number = "13600136000"
    try:
        port = await register_phone(live, sipp, "8001", "agent123")
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        phone = agent_phone(sipp, port)
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario(
                    "uac_dtmf.xml", before_dtmf=700, hold_for=8000, dtmf_pcap=pcap("dtmf_2833_1.pcap")
                ),
                "-s",
                "100",
                f"127.0.0.1:{live.sip_port}",
                "-p",
                str(free_port()),
                "-mp",
                str(free_even_port()),
                "-rtp_echo",
                timeout=30,
            )
        )
        [talking] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        call = switch_call(live, talking["id"])
        far_end = carrier(sipp, trunk_port, number)
        party, me = f"number:{number}", agent.user_id
        if how == "blind":
            await agent.post(f"/calls/{call.call_id}/transfer", {"to_number": number})
        else:
            await agent.post(f"/calls/{call.call_id}/consult", {"to_number": number})
            await until(lambda: call.consult is not None and call.consult.connected)
            await until(lambda: call.relayed.get(f"{me}<{party}", 0) > 25)  # agent1 hears the carrier
            await agent.post(f"/calls/{call.call_id}/consult/complete")
        await finished(phone)  # agent1's phone is released
        await until(lambda: call.detached and call.bridged == party)
        await until(lambda: call.relayed.get(f"caller<{party}", 0) > 25)  # the caller hears the carrier
        await until(lambda: call.relayed.get(f"{party}<caller", 0) > 25)  # and the carrier the caller
        record = await leader.until(f"/calls/{call.call_id}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "transfer"  # the ACD is done; the switch carries the call on
        await finished(caller, far_end)  # the caller hangs up; the carrier's leg is released
        assert call.call_id not in live.container.sip.switch.calls  # type: ignore[union-attr]
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


async def test_an_agent_calls_a_callback_request_back_through_the_trunk(
    live: LiveSip, sipp: Sipp, trunk_port: int
) -> None:
    """回电: the number a caller left is dialled as the agent's dial-out, noted on the request."""
    engine = create_engine(live.settings.database_url)
    with Session(engine) as session, session.begin():
        row = CallbackRequest(
            tenant_id="default",
            call_id="sip-earlier",
            number="13500135000",
            source="queue",
            status="open",
            data={},
        )
        session.add(row)
        session.flush()
        callback_id = row.id
    engine.dispose()
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        port = await register_phone(live, sipp, "8001", "agent123")
        await agent.post("/agents/me/login")
        far_end = carrier(sipp, trunk_port, "13500135000")
        phone = agent_phone(sipp, port)
        answer = await agent.post(f"/callbacks/{callback_id}/dial")
        call_id = answer["call_id"]
        assert answer["callback"]["data"]["dialled"][0]["call_id"] == call_id
        call = await leader.until(f"/calls/{call_id}", lambda r: r["answered_at"] is not None)
        assert call["callee"] == "13500135000" and call["agent_id"] == agent.user_id
        me, bridged = agent.user_id, switch_call(live, call_id)
        await until(lambda: bridged.relayed.get(f"{me}<caller", 0) > 25)  # the customer is heard
        await agent.post(f"/calls/{call_id}/hangup")
        await finished(far_end, phone)
        done = await agent.post(f"/callbacks/{callback_id}/done")
        assert done["status"] == "done"
        closed = await agent.client.post(f"/callbacks/{callback_id}/dial")
        assert closed.status_code == 409, closed.text  # a closed request is not dialled again
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


async def test_an_agent_forwarded_to_an_outside_number_is_rung_there_through_the_trunk(
    live: LiveSip, sipp: Sipp, trunk_port: int
) -> None:
    admin, agent, other = (
        live.api("admin", "admin123"),
        live.api("agent1", "agent123"),
        live.api("agent2", "agent123"),
    )
    leader = live.api("leader", "leader123")
    number = "13200132000"
    try:
        refused = await other.client.put(f"/agents/{agent.user_id}/sip/forward", json={"number": number})
        assert refused.status_code == 403  # only the admin or agent1 themself
        bad = await agent.client.put(f"/agents/{agent.user_id}/sip/forward", json={"number": "12ab"})
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_number", bad.text
        phone = await admin.client.put(f"/agents/{agent.user_id}/sip/forward", json={"number": number})
        assert phone.status_code == 200 and phone.json()["forward_to"] == number, phone.text
        assert (await agent.get(f"/agents/{agent.user_id}/sip"))["forward_to"] == number
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        far_end = carrier(sipp, trunk_port, number)  # agent1's mobile, say
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario(
                    "uac_dtmf.xml", before_dtmf=700, hold_for=5000, dtmf_pcap=pcap("dtmf_2833_1.pcap")
                ),
                "-s",
                "100",
                f"127.0.0.1:{live.sip_port}",
                "-p",
                str(free_port()),
                "-mp",
                str(free_even_port()),
                "-rtp_echo",
                timeout=30,
            )
        )
        [talking] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        assert talking["agent_id"] == agent.user_id
        call, me = switch_call(live, talking["id"]), agent.user_id
        assert call.bridged == me
        await until(lambda: call.relayed.get(f"caller<{me}", 0) > 25)
        await until(lambda: call.relayed.get(f"{me}<caller", 0) > 25)
        await finished(caller, far_end)
    finally:
        await admin.client.put(f"/agents/{agent.user_id}/sip/forward", json={"number": None})
        await agent.client.post("/agents/me/logout")
        for api in (admin, agent, other, leader):
            await api.aclose()
