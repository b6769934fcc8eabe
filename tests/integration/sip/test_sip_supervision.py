"""Leader functions on real SIP phones (NORMS §2): whisper (耳语) to the agent only, then
intercept (拦截): the leader takes the call over and the agent's phone is released."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

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

pytestmark = needs_sipp


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("sip-supervision"))


async def test_whisper_reaches_the_agent_only_then_intercept_takes_the_call_over(
    live: LiveSip, sipp: Sipp
) -> None:
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        agent_port = await register_phone(live, sipp, "8001", "agent123")
        leader_port = await register_phone(live, sipp, "8000", "leader123")
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        agent_phone, leader_phone, caller = _phones_and_caller(live, sipp, agent_port, leader_port)
        [call] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        await _whisper(live, agent, leader, call["id"])

        # 拦截: the leader takes the call; the agent's phone is hung up, the caller stays
        await leader.post(f"/calls/{call['id']}/supervise", {"mode": "intercept"})
        released = await asyncio.wait_for(agent_phone, 30)
        assert released.returncode == 0, str(released)
        assert not caller.done(), "the caller is still on the line, now with the leader"
        await leader.until(f"/agents/{agent.user_id}", lambda a: a["state"] != "talking")

        await leader.post(f"/calls/{call['id']}/force-hangup")  # the leader ends it (强拆)
        for task in (caller, leader_phone):
            result = await asyncio.wait_for(task, 30)
            assert result.returncode == 0, str(result)
        record = await leader.until(f"/calls/{call['id']}", lambda r: r["ended_at"] is not None)
        joined = [s for s in record["segments"] if s["type"] == "supervisor_joined"]
        assert [s["mode"] for s in joined] == ["whisper", "intercept"]
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


def _phones_and_caller(
    live: LiveSip, sipp: Sipp, agent_port: int, leader_port: int
) -> tuple[asyncio.Task[SippResult], asyncio.Task[SippResult], asyncio.Task[SippResult]]:
    """The agent's and the leader's sipp phones (answering), and a caller who stays on."""
    phone = sipp.scenario("uas_agent.xml", ring_for=200, audio_pcap=pcap("g711a.pcap"))
    agent_phone = asyncio.create_task(
        sipp.run(phone, "-p", str(agent_port), "-mp", str(free_even_port()), timeout=40)
    )
    leader_phone = asyncio.create_task(
        sipp.run(phone, "-p", str(leader_port), "-mp", str(free_even_port()), timeout=40)
    )
    caller = asyncio.create_task(
        sipp.run(
            sipp.scenario("uac_bridged.xml", before_dtmf=700, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
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
    return agent_phone, leader_phone, caller


async def _whisper(live: LiveSip, agent: Api, leader: Api, call_id: str) -> None:
    """耳语: the leader's phone rings and joins; the agent hears the leader, the caller does not."""
    assert live.container.sip is not None
    switch_call = live.container.sip.switch.calls[call_id]
    await leader.post(f"/calls/{call_id}/supervise", {"mode": "whisper"})
    await leader.until(
        "/calls",
        lambda _: (
            switch_call.conference is not None and leader.user_id in switch_call.conference.participants
        ),
    )
    room = switch_call.conference
    assert room is not None
    whisperer = room.participants[leader.user_id]
    assert whisperer.mode == "whisper"
    assert whisperer.heard_by(room.participants[agent.user_id])
    assert not whisperer.heard_by(room.participants["caller"])
    assert room.participants["caller"].heard_by(whisperer), "the leader hears the call"
    sent_before = whisperer.leg.rtp.stats.packets_sent
    await leader.until("/calls", lambda _: whisperer.leg.rtp.stats.packets_sent > sent_before + 10)
