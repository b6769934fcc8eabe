"""The whole platform on real SIP: ``telephony="sip"``, a desk phone (sipp) registered as
agent1's extension, the agent signed in through the HTTP API, a caller (sipp) who dials the
inbound number and presses a key, and the ACD, the switch and the call record in step."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import Iterator
from pathlib import Path

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

pytestmark = needs_sipp


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("sip-e2e"))


async def register_phone(live: LiveSip, sipp: Sipp, extension: str, password: str) -> int:
    """Register a sipp 'phone' for ``extension``; -> the port it listens on."""
    port = free_port()
    result = await sipp.run(
        sipp.scenario("register.xml", expect=200),
        "-s",
        extension,
        "-au",
        extension,
        "-ap",
        password,
        f"127.0.0.1:{live.sip_port}",
        "-p",
        str(port),
    )
    assert result.returncode == 0, str(result)
    return port


async def test_a_call_through_ivr_queue_and_agent_phone_is_answered_recorded_and_ended(
    live: LiveSip, sipp: Sipp
) -> None:
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        phone_port = await register_phone(live, sipp, "8001", "agent123")
        assert (await agent.get(f"/agents/{agent.user_id}/sip"))["registered"] is True
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")

        phone, caller = _phone_and_caller(live, sipp, phone_port)

        talking = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        [call] = talking
        assert call["id"].startswith("sip-") and call["caller"] == "5551234" and call["callee"] == "100"
        assert call["queue_id"] == "general" and call["agent_id"] == agent.user_id  # key 1: general
        assert (await agent.get("/agents/me"))["state"] == "talking"

        for task in (caller, phone):  # the caller hangs up; the switch releases the agent phone
            result = await asyncio.wait_for(task, 30)
            assert result.returncode == 0, str(result)

        record = await leader.until(f"/calls/{call['id']}", lambda r: r["ended_at"] is not None)
        assert record["answered_at"] is not None and record["outcome"] == "handled"
        assert record["ended_by"] == "caller"
        assert record["agent_id"] == agent.user_id and record["talk_seconds"] > 1.0
        types = [s["type"] for s in record["segments"]]
        assert types[:4] == ["call_arrived", "call_queued", "call_offered", "call_answered"]
        assert (await agent.get("/agents/me"))["state"] in ("wrap_up", "ready")

        await _check_recording(agent, call["id"])
        assert live.container.sip is not None and live.container.sip.switch.calls == {}
    finally:
        await agent.client.post("/agents/me/logout")  # whatever state the test left
        await agent.aclose()
        await leader.aclose()


def _phone_and_caller(
    live: LiveSip, sipp: Sipp, phone_port: int
) -> tuple[asyncio.Task[SippResult], asyncio.Task[SippResult]]:
    """agent1's sipp phone (answering, then talking) and a caller who keys 1 for "general"."""
    phone = asyncio.create_task(
        sipp.run(
            sipp.scenario("uas_agent.xml", ring_for=300, audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(phone_port),
            "-mp",
            str(free_even_port()),
        )
    )
    caller = asyncio.create_task(
        sipp.run(
            sipp.scenario("uac_dtmf.xml", before_dtmf=700, hold_for=3000, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
            "-s",
            "100",
            f"127.0.0.1:{live.sip_port}",
            "-p",
            str(free_port()),
            "-mp",
            str(free_even_port()),
            "-rtp_echo",
        )
    )
    return phone, caller


async def _check_recording(agent: Api, call_id: str) -> None:
    """The call's one recording is served as a WAV as long as the recorded call."""
    recordings = await agent.until(f"/calls/{call_id}/recordings", lambda r: len(r) == 1)
    response = await agent.client.get(f"/calls/{call_id}/recording")
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        seconds = wav.getnframes() / 8000
    # from the answer of the inbound call to the caller's BYE: IVR + ringing + ~3 s of talk
    assert 2.5 < seconds < 15 and abs(seconds - recordings[0]["seconds"]) < 0.05


async def test_sip_accounts_are_admin_only_and_the_wrong_password_is_refused(
    live: LiveSip, sipp: Sipp
) -> None:
    admin, agent = live.api("admin", "admin123"), live.api("agent2", "agent123")
    try:
        forbidden = await agent.client.put(f"/agents/{agent.user_id}/sip", json={"password": "x" * 8})
        assert forbidden.status_code == 403
        changed = await admin.client.put(f"/agents/{agent.user_id}/sip", json={"password": "n3w-secret"})
        assert changed.status_code == 200 and changed.json()["username"] == "8002"
        taken = await admin.client.put(
            f"/agents/{agent.user_id}/sip", json={"password": "n3w-secret", "username": "8001"}
        )
        assert taken.status_code == 409 and taken.json()["code"] == "sip_username_taken"
        old = await sipp.run(
            sipp.scenario("register.xml", expect=403),
            "-s",
            "8002",
            "-au",
            "8002",
            "-ap",
            "agent123",
            f"127.0.0.1:{live.sip_port}",
            "-p",
            str(free_port()),
        )
        assert old.returncode == 0, str(old)  # the old password no longer works, at once
        await register_phone(live, sipp, "8002", "n3w-secret")
        status = await admin.get("/telephony/status")
        assert status["telephony"] == "sip" and status["port"] == live.sip_port and "100" in status["numbers"]
    finally:
        await admin.client.put(f"/agents/{agent.user_id}/sip", json={"password": "agent123"})
        await admin.aclose()
        await agent.aclose()


def test_recordings_live_under_the_data_dir(live: LiveSip) -> None:
    config = live.container.sip.switch.config if live.container.sip else None
    assert config is not None and Path(str(config.recording_dir)).is_relative_to(live.settings.data_dir)


async def test_hold_retrieve_barge_in_and_force_hangup_from_the_api(live: LiveSip, sipp: Sipp) -> None:
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        agent_port = await register_phone(live, sipp, "8001", "agent123")
        leader_port = await register_phone(live, sipp, "8000", "leader123")  # the leader's own phone
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        phone = sipp.scenario("uas_agent.xml", ring_for=200, audio_pcap=pcap("g711a.pcap"))
        agent_phone = asyncio.create_task(
            sipp.run(phone, "-p", str(agent_port), "-mp", str(free_even_port()), timeout=30)
        )
        leader_phone = asyncio.create_task(
            sipp.run(phone, "-p", str(leader_port), "-mp", str(free_even_port()), timeout=30)
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
                timeout=30,
            )
        )
        [call] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        assert live.container.sip is not None
        switch_call = live.container.sip.switch.calls[call["id"]]

        await agent.post(f"/calls/{call['id']}/hold")  # 保持: the caller hears music, the bridge stops
        assert switch_call.phase.value == "held" and switch_call.relays == {}
        await agent.post(f"/calls/{call['id']}/retrieve")
        assert switch_call.phase.value == "bridged" and switch_call.relays

        await leader.post(f"/calls/{call['id']}/supervise", {"mode": "barge"})  # 强插: the phone rings
        await leader.until("/calls", lambda _: switch_call.conference is not None)
        assert set(switch_call.conference.participants) == {"caller", agent.user_id, leader.user_id}

        await leader.post(f"/calls/{call['id']}/force-hangup")  # 强拆: everyone is released
        for task in (caller, agent_phone, leader_phone):
            result = await asyncio.wait_for(task, 30)
            assert result.returncode == 0, str(result)
        record = await leader.until(f"/calls/{call['id']}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "supervisor"
        types = [s["type"] for s in record["segments"]]
        assert {"call_held", "call_retrieved", "supervisor_joined"} <= set(types)
    finally:
        await agent.client.post("/agents/me/logout")  # whatever state the test left
        await agent.aclose()
        await leader.aclose()


async def test_blind_transfer_to_another_agent_moves_the_caller_to_their_phone(
    live: LiveSip, sipp: Sipp
) -> None:
    first, second = live.api("agent1", "agent123"), live.api("agent2", "agent123")
    leader = live.api("leader", "leader123")
    try:
        first_port = await register_phone(live, sipp, "8001", "agent123")
        second_port = await register_phone(live, sipp, "8002", "agent123")
        await first.post("/agents/me/login")
        await first.post("/agents/me/ready")
        await second.post("/agents/me/login")  # not ready yet: the call goes to agent1
        phone = sipp.scenario("uas_agent.xml", ring_for=200, audio_pcap=pcap("g711a.pcap"))
        first_phone = asyncio.create_task(
            sipp.run(phone, "-p", str(first_port), "-mp", str(free_even_port()), timeout=30)
        )
        second_phone = asyncio.create_task(
            sipp.run(phone, "-p", str(second_port), "-mp", str(free_even_port()), timeout=30)
        )
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario(
                    "uac_dtmf.xml", before_dtmf=700, hold_for=7000, dtmf_pcap=pcap("dtmf_2833_1.pcap")
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
        [call] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        assert call["agent_id"] == first.user_id
        await second.post("/agents/me/ready")
        await first.post(f"/calls/{call['id']}/transfer", {"to_agent_id": second.user_id})  # 盲转
        result = await asyncio.wait_for(first_phone, 30)  # agent1's phone is released at once
        assert result.returncode == 0, str(result)
        await leader.until(f"/calls/{call['id']}", lambda r: r["agent_id"] == second.user_id)
        assert live.container.sip is not None
        switch_call = live.container.sip.switch.calls[call["id"]]
        await leader.until("/calls", lambda _: switch_call.bridged == second.user_id)
        for task in (caller, second_phone):  # the caller talks to agent2, then hangs up
            result = await asyncio.wait_for(task, 30)
            assert result.returncode == 0, str(result)
        record = await leader.until(f"/calls/{call['id']}", lambda r: r["ended_at"] is not None)
        assert "call_transferred" in [s["type"] for s in record["segments"]]
        assert record["agent_id"] == second.user_id and record["ended_by"] == "caller"
    finally:
        await first.client.post("/agents/me/logout")
        await second.client.post("/agents/me/logout")
        for api in (first, second, leader):
            await api.aclose()
