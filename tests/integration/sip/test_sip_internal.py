"""Internal calls (内呼) placed at the desktop, on real SIP through the whole platform: sipp
stands in for both agents' desk phones. ``POST /calls/dial {"to_agent_id"}`` rings the calling
agent's own phone (which answers by itself: ``answer-after=0``), then the colleague's; the
switch bridges the two and relays RTP both ways; either side ending the call releases both
phones and both agents; a colleague who declines ends the calling agent's leg."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from liveserver import Api, LiveSip, start_live_sip
from sipharness import (  # noqa: F401  (fixtures)
    Sipp,
    SippResult,
    free_even_port,
    needs_sipp,
    pcap,
    sipp_fixture,
)
from test_sip_outbound import finished, switch_call, until
from test_sip_platform import register_phone

pytestmark = needs_sipp
AFTER_A_CALL = ("wrap_up", "ready")  # the domain's rule: wrap-up when the tenant asks for it


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("sip-internal"))


def phone(sipp: Sipp, port: int, name: str, **values: object) -> asyncio.Task[SippResult]:
    """A sipp desk phone (registered from ``port``) playing scenario ``name``."""
    scenario = sipp.scenario(name, audio_pcap=pcap("g711a.pcap"), **values)
    return asyncio.create_task(sipp.run(scenario, "-p", str(port), "-mp", str(free_even_port()), timeout=30))


async def signed_in(live: LiveSip, sipp: Sipp) -> tuple[Api, Api, int, int]:
    """agent1 and agent2 with registered phones; agent2 ready, agent1 signed in (not ready)."""
    first, second = live.api("agent1", "agent123"), live.api("agent2", "agent123")
    first_port = await register_phone(live, sipp, "8001", "agent123")
    second_port = await register_phone(live, sipp, "8002", "agent123")
    await first.post("/agents/me/login")
    await second.post("/agents/me/login")
    await second.post("/agents/me/ready")
    return first, second, first_port, second_port


async def left_the_call(*agents: Api) -> None:
    for agent in agents:
        me = await agent.get("/agents/me")
        assert me["call_id"] is None and me["state"] in AFTER_A_CALL, me


async def sign_out(*apis: Api) -> None:
    for api in apis:
        await api.client.post("/agents/me/logout")
        await api.aclose()


async def test_an_internal_call_rings_both_phones_bridges_them_and_ends_with_either(
    live: LiveSip, sipp: Sipp
) -> None:
    leader = live.api("leader", "leader123")
    first, second, first_port, second_port = await signed_in(live, sipp)
    try:
        own_phone = phone(sipp, first_port, "uas_phone_answer_after.xml")
        colleague_phone = phone(sipp, second_port, "uas_agent_hangs_up.xml", ring_for=1000, talk_for=2500)
        placed = await first.post("/calls/dial", {"to_agent_id": second.user_id})
        call_id = placed["call_id"]
        call = switch_call(live, call_id)
        assert call.internal_from == first.user_id and call.caller == "8001" and call.callee == "8002"
        record = await leader.until(f"/calls/{call_id}", lambda r: r["answered_at"] is not None)
        assert record["direction"] == "internal" and record["agent_id"] == second.user_id
        assert (await first.get("/agents/me"))["state"] == "talking"
        assert (await second.get("/agents/me"))["state"] == "talking"
        colleague = second.user_id
        await until(lambda: call.bridged == colleague)
        await until(lambda: call.relayed.get(f"caller<{colleague}", 0) > 25)  # agent2's voice to agent1
        await until(lambda: call.relayed.get(f"{colleague}<caller", 0) > 25)  # and agent1's to agent2
        # agent1's phone answered by itself and heard ringback while agent2's rang (1 s)
        assert call.caller_leg.rtp.stats.packets_sent - call.relayed[f"caller<{colleague}"] > 20
        # agent2 hangs up on the phone: agent1's phone gets a BYE, both agents leave the call
        await finished(colleague_phone, own_phone)
        record = await leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "agent" and record["talk_seconds"] > 0
        await until(lambda: call_id not in (live.container.sip.switch.calls if live.container.sip else {}))
        await left_the_call(first, second)
    finally:
        await sign_out(first, second, leader)


async def test_the_calling_agent_hanging_up_at_the_desktop_releases_both_phones(
    live: LiveSip, sipp: Sipp
) -> None:
    first, second, first_port, second_port = await signed_in(live, sipp)
    try:
        own_phone = phone(sipp, first_port, "uas_phone_answer_after.xml")
        colleague_phone = phone(sipp, second_port, "uas_agent.xml", ring_for=200)
        call_id = (await first.post("/calls/dial", {"to_agent_id": second.user_id}))["call_id"]
        call = switch_call(live, call_id)
        colleague = second.user_id
        await until(lambda: call.relayed.get(f"{colleague}<caller", 0) > 10)
        await first.post(f"/calls/{call_id}/hangup")
        await finished(own_phone, colleague_phone)  # the switch sends BYE to both phones
        await left_the_call(first, second)
    finally:
        await sign_out(first, second)


async def test_a_colleague_who_declines_ends_the_calling_agents_leg(live: LiveSip, sipp: Sipp) -> None:
    leader = live.api("leader", "leader123")
    first, second, first_port, second_port = await signed_in(live, sipp)
    try:
        own_phone = phone(sipp, first_port, "uas_phone_answer_after.xml")
        busy = phone(sipp, second_port, "uas_agent_busy.xml")  # 486 from agent2's phone
        call_id = (await first.post("/calls/dial", {"to_agent_id": second.user_id}))["call_id"]
        await finished(busy, own_phone)  # agent1's phone, answered by itself, gets a BYE
        record = await leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
        assert record["answered_at"] is None
        await until(lambda: call_id not in (live.container.sip.switch.calls if live.container.sip else {}))
        await left_the_call(first)
        assert (await second.get("/agents/me"))["call_id"] is None
    finally:
        await sign_out(first, second, leader)


async def test_without_a_phone_of_their_own_the_calling_agents_internal_call_ends(
    live: LiveSip, sipp: Sipp
) -> None:
    """agent3 has no registered phone: the switch cannot ring it, so the ACD ends the call
    (``far_end_failed``) and the colleague is never rung."""
    third, second = live.api("agent3", "agent123"), live.api("agent2", "agent123")
    leader = live.api("leader", "leader123")
    try:
        await register_phone(live, sipp, "8002", "agent123")
        await third.post("/agents/me/login")
        await second.post("/agents/me/login")
        await second.post("/agents/me/ready")
        call_id = (await third.post("/calls/dial", {"to_agent_id": second.user_id}))["call_id"]
        record = await leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "system" and record["answered_at"] is None
        assert live.container.sip is not None and call_id not in live.container.sip.switch.calls
        await left_the_call(third)
        assert (await second.get("/agents/me"))["call_id"] is None
    finally:
        await sign_out(third, second, leader)
