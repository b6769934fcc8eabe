"""Consult (attended transfer) and three-way calls between agents on real SIP, through the
whole platform: the consulted agent's phone (sipp) is rung for the consult call, talks with
the consulting agent while the caller hears music, then takes the caller (complete), is
dropped (cancel), or joins a three-way mix (conference)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from liveserver import Api, LiveSip, start_live_sip
from sipharness import (  # noqa: F401  (fixtures)
    Sipp,
    SippResult,
    free_even_port,
    free_port,
    needs_sipp,
    pcap,
    sipp_fixture,
)
from test_sip_platform import register_phone

from helpline.adapters.telephony.sip.calls import SwitchCall

pytestmark = needs_sipp


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("sip-transfers"))


@dataclass
class Desk:
    """A call talking to agent1, with agent2 signed in and ready, and both phones up."""

    first: Api
    second: Api
    leader: Api
    call: dict[str, Any]
    switch_call: SwitchCall
    caller: asyncio.Task[SippResult]
    first_phone: asyncio.Task[SippResult]
    second_phone: asyncio.Task[SippResult]


def phone(sipp: Sipp, port: int) -> asyncio.Task[SippResult]:
    scenario = sipp.scenario("uas_agent.xml", ring_for=200, audio_pcap=pcap("g711a.pcap"))
    return asyncio.create_task(sipp.run(scenario, "-p", str(port), "-mp", str(free_even_port()), timeout=40))


@pytest.fixture
async def desk(live: LiveSip, sipp: Sipp) -> AsyncIterator[Desk]:
    first, second = live.api("agent1", "agent123"), live.api("agent2", "agent123")
    leader = live.api("leader", "leader123")
    try:
        first_port = await register_phone(live, sipp, "8001", "agent123")
        second_port = await register_phone(live, sipp, "8002", "agent123")
        await first.post("/agents/me/login")
        await first.post("/agents/me/ready")
        await second.post("/agents/me/login")  # not ready yet: the call goes to agent1
        # the phones talk (a recorded voice); the caller echoes what it hears
        first_phone = phone(sipp, first_port)
        second_phone = phone(sipp, second_port)
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario(
                    "uac_dtmf.xml", before_dtmf=700, hold_for=14000, dtmf_pcap=pcap("dtmf_2833_1.pcap")
                ),
                "-s",
                "100",
                f"127.0.0.1:{live.sip_port}",
                "-p",
                str(free_port()),
                "-mp",
                str(free_even_port()),
                "-rtp_echo",
                timeout=40,
            )
        )
        [call] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        assert call["agent_id"] == first.user_id
        await second.post("/agents/me/ready")
        assert live.container.sip is not None
        yield Desk(
            first,
            second,
            leader,
            call,
            live.container.sip.switch.calls[call["id"]],
            caller,
            first_phone,
            second_phone,
        )
    finally:
        await first.client.post("/agents/me/logout")
        await second.client.post("/agents/me/logout")
        for api in (first, second, leader):
            await api.aclose()


async def until(check: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def finished(*tasks: asyncio.Task[SippResult]) -> None:
    for task in tasks:
        result = await asyncio.wait_for(task, 40)
        assert result.returncode == 0, str(result)


async def both_ways(call: SwitchCall, party: str) -> None:
    """RTP flows from now on between the caller and ``party`` through the switch's relay."""
    before = dict(call.relayed)
    for key in (f"caller<{party}", f"{party}<caller"):
        await until(lambda key=key: call.relayed.get(key, 0) > before.get(key, 0) + 25)


async def consult(desk: Desk) -> str:
    """agent1 consults agent2: agent2's phone rings and answers; the two agents talk while
    the caller hears music on hold."""
    call_id, first, second = desk.call["id"], desk.first.user_id, desk.second.user_id
    answer = await desk.first.post(f"/calls/{call_id}/consult", {"to_agent_id": second})
    consult_id = str(answer["consult_call_id"])
    switch_call = desk.switch_call
    await until(lambda: switch_call.consult is not None and switch_call.consult.connected)
    assert switch_call.phase.value == "held" and switch_call.bridged == first
    music = switch_call.caller_leg.rtp.stats.packets_sent
    await until(lambda: switch_call.relayed.get(f"{first}<{second}", 0) > 20)
    await until(lambda: switch_call.relayed.get(f"{second}<{first}", 0) > 20)
    assert switch_call.caller_leg.rtp.stats.packets_sent > music + 20  # the caller hears music
    assert switch_call.relayed.get(f"caller<{second}", 0) == 0  # but not the colleague
    consult_call = await desk.leader.get(f"/calls/{consult_id}")
    assert consult_call["agent_id"] == second and consult_call["answered_at"] is not None
    return consult_id


async def test_consult_then_complete_lands_the_caller_at_the_second_agents_phone(desk: Desk) -> None:
    await consult(desk)
    call_id, second = desk.call["id"], desk.second.user_id
    await desk.first.post(f"/calls/{call_id}/consult/complete")
    await finished(desk.first_phone)  # agent1's phone is released at once
    switch_call = desk.switch_call
    assert switch_call.bridged == second and switch_call.consult is None
    await both_ways(switch_call, second)
    await finished(desk.caller, desk.second_phone)  # the caller hangs up; agent2's phone is released
    record = await desk.leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
    assert record["ended_by"] == "caller"
    [transferred] = [s for s in record["segments"] if s["type"] == "call_transferred"]
    assert transferred["to_agent_id"] == second and transferred["flow"] == "attended", transferred


async def test_consult_then_cancel_returns_the_caller_to_the_first_agent(desk: Desk) -> None:
    await consult(desk)
    call_id, first = desk.call["id"], desk.first.user_id
    await desk.first.post(f"/calls/{call_id}/consult/cancel")
    await finished(desk.second_phone)  # the colleague's phone is hung up
    switch_call = desk.switch_call
    assert switch_call.bridged == first and switch_call.consult is None
    assert switch_call.phase.value == "bridged"
    await both_ways(switch_call, first)
    assert (await desk.first.get("/agents/me"))["state"] == "talking"
    await finished(desk.caller, desk.first_phone)
    record = await desk.leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
    assert record["agent_id"] == first and record["ended_by"] == "caller"


async def test_three_way_conference_mixes_each_party_with_the_other_two(desk: Desk) -> None:
    await consult(desk)
    call_id, first, second = desk.call["id"], desk.first.user_id, desk.second.user_id
    await desk.first.post(f"/calls/{call_id}/conference")
    switch_call = desk.switch_call
    await until(lambda: switch_call.conference is not None)
    conference = switch_call.conference
    assert conference is not None and set(conference.participants) == {"caller", first, second}
    pairs = [(a, b) for a in ("caller", first, second) for b in ("caller", first, second) if a != b]
    await until(lambda: all(conference.heard[f"{a}<{b}"] > 25 for a, b in pairs))
    assert (await desk.second.get("/agents/me"))["state"] == "conference"
    await desk.second.post(f"/calls/{call_id}/hangup")  # agent2 leaves from the desktop
    await finished(desk.second_phone)
    await until(lambda: switch_call.conference is None and bool(switch_call.relays))
    assert switch_call.bridged == first and switch_call.members == []
    before = dict(switch_call.relayed)
    await until(lambda: switch_call.relayed.get(f"caller<{first}", 0) > before.get(f"caller<{first}", 0) + 10)
    assert (await desk.first.get("/agents/me"))["state"] == "talking"
    await finished(desk.caller, desk.first_phone)  # the caller and agent1 talk on, then hang up
    record = await desk.leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
    assert "conference_started" in [s["type"] for s in record["segments"]]
