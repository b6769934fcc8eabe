"""Real calls from sipp: the inbound number answers, plays its prompt, hears the caller's
RFC 4733 key press and hands the call over; agent phones register with digest auth and
are rung and bridged to the caller."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sipharness import (  # noqa: F401  (fixtures)
    Sipp,
    SwitchFactory,
    free_even_port,
    free_port,
    make_switch_fixture,
    needs_sipp,
    pcap,
    sipp_fixture,
)

from helpline.adapters.telephony.sip.calls import SwitchCall
from helpline.adapters.telephony.sip.media import load_wav
from helpline.adapters.telephony.sip.switch import SipSwitch

pytestmark = needs_sipp


async def call_with_digit(switch: SipSwitch, sipp: Sipp, *transport: str) -> None:
    scenario = sipp.scenario(
        "uac_dtmf.xml", before_dtmf=800, hold_for=1500, dtmf_pcap=pcap("dtmf_2833_1.pcap")
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
        *transport,
    )
    assert result.returncode == 0, str(result)


async def test_caller_hears_the_prompt_and_the_key_press_is_reported(
    make_switch: SwitchFactory, sipp: Sipp
) -> None:
    switch, acd = await make_switch()
    await call_with_digit(switch, sipp)
    arrived = await asyncio.wait_for(acd.arrived.get(), 5)
    assert (arrived.callee, arrived.caller, arrived.digits) == ("100", "5551234", "1")
    await asyncio.wait_for(acd.caller_gone.wait(), 5)
    summary = switch.b2bua.history[-1] if switch.b2bua else None
    assert summary is not None and summary.call_id == arrived.call_id
    caller = summary.rtp["caller"]
    assert caller.packets_sent > 20  # the prompt, then music on hold, as 20 ms frames
    assert caller.packets_received > 20  # sipp echoed what it heard: it got our RTP
    assert caller.dtmf_digits == "1"
    assert switch.calls == {} and switch.stats()["rtp_ports_in_use"] == 0


async def test_the_same_call_over_tcp(make_switch: SwitchFactory, sipp: Sipp) -> None:
    switch, acd = await make_switch()
    await call_with_digit(switch, sipp, "-t", "t1")
    arrived = await asyncio.wait_for(acd.arrived.get(), 5)
    assert arrived.digits == "1" and arrived.source.startswith("tcp:")
    assert switch.transport is not None and switch.transport.stats.tcp_connections == 1


async def register(
    switch: SipSwitch,
    sipp: Sipp,
    port: int,
    password: str,
    expect: int,
    *transport: str,
    extension: str = "201",
) -> None:
    scenario = sipp.scenario("register.xml", expect=expect)
    result = await sipp.run(
        scenario,
        "-s",
        extension,
        "-au",
        extension,
        "-ap",
        password,
        f"127.0.0.1:{switch.port}",
        "-p",
        str(port),
        *transport,
    )
    assert result.returncode == 0, str(result)


@pytest.mark.parametrize("transport", [(), ("-t", "t1")], ids=["udp", "tcp"])
async def test_agent_registers_with_the_right_password(
    make_switch: SwitchFactory, sipp: Sipp, transport: tuple[str, ...]
) -> None:
    switch, _ = await make_switch()
    port = free_port()
    await register(switch, sipp, port, "secret", 200, *transport)
    [binding] = switch.registrar.lookup("201")
    assert binding.source.port == port and binding.contact.startswith("sip:201@127.0.0.1")


async def test_wrong_password_is_refused_and_repeated_failures_are_throttled(
    make_switch: SwitchFactory, sipp: Sipp
) -> None:
    switch, _ = await make_switch(auth_max_failures=2)
    await register(switch, sipp, free_port(), "wrong", 403)
    assert switch.registrar.lookup("201") == []
    await register(switch, sipp, free_port(), "wrong", 403)
    # blocked now: even the right password is refused until the block expires
    assert switch.auth.throttle.blocked("127.0.0.1")
    scenario = sipp.scenario("register.xml", expect=200)
    result = await sipp.run(
        scenario,
        "-s",
        "201",
        "-au",
        "201",
        "-ap",
        "secret",
        f"127.0.0.1:{switch.port}",
        "-p",
        str(free_port()),
        timeout=3,
    )
    assert result.returncode != 0
    assert switch.registrar.lookup("201") == []


async def test_agent_phone_is_rung_answers_and_is_bridged_to_the_caller(
    make_switch: SwitchFactory, sipp: Sipp, tmp_path: Path
) -> None:
    switch, acd = await make_switch(recording_dir=str(tmp_path / "recordings"))
    acd.ring = "agent-201"
    agent_port = free_port()
    await register(switch, sipp, agent_port, "secret", 200)
    agent = asyncio.create_task(
        sipp.run(
            sipp.scenario("uas_agent.xml", ring_for=300, audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(agent_port),
            "-mp",
            str(free_even_port()),
        )
    )
    caller = asyncio.create_task(
        sipp.run(
            sipp.scenario("uac_bridged.xml", before_dtmf=500, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
            "-s",
            "100",
            f"127.0.0.1:{switch.port}",
            "-p",
            str(free_port()),
            "-mp",
            str(free_even_port()),
            "-rtp_echo",
        )
    )
    await asyncio.wait_for(acd.bridged.wait(), 10)
    arrived = acd.arrived.get_nowait()
    call = switch.calls[arrived.call_id]
    await asyncio.sleep(1.0)  # talk: the agent's pcap flows to the caller, who echoes it back
    assert call.relayed["to_caller"] > 10 and call.relayed["to_agent"] > 10

    await switch.hold("default", arrived.call_id)  # the caller hears music, the agent nothing
    relayed, music_before = dict(call.relayed), call.caller_leg.rtp.stats.packets_sent
    await asyncio.sleep(0.6)
    assert call.relayed == relayed  # nothing crosses the bridge while on hold
    assert call.caller_leg.rtp.stats.packets_sent - music_before > 15  # 20 ms music frames

    await switch.retrieve("default", arrived.call_id, "agent-201")
    await asyncio.sleep(1.0)
    assert call.relayed["to_caller"] > relayed["to_caller"] + 10

    await switch.hangup("default", arrived.call_id)
    for task in (caller, agent):
        result = await asyncio.wait_for(task, 15)
        assert result.returncode == 0, str(result)
    summary = switch.b2bua.history[-1] if switch.b2bua else None
    assert summary is not None and summary.bridged == "agent-201"
    assert summary.relayed["to_caller"] > 30  # the agent's audio reached the caller (PCMA -> PCMU)
    assert summary.relayed["to_agent"] > 30  # and the caller's (its echo) reached the agent
    assert summary.rtp["agent-201"].packets_received > 30
    assert summary.rtp["agent-201"].packets_sent > 30
    assert ("answered", arrived.call_id, "agent-201") in acd.events
    [recording] = summary.recordings  # what the caller said, as WAV
    assert load_wav(recording).size > 8000  # over a second of audio


async def test_a_supervisor_listens_then_barges_in(make_switch: SwitchFactory, sipp: Sipp) -> None:
    switch, acd = await make_switch()
    acd.ring = "agent-201"
    agent_port, supervisor_port = free_port(), free_port()
    await register(switch, sipp, agent_port, "secret", 200)
    await register(switch, sipp, supervisor_port, "secret", 200, extension="202")
    phone = sipp.scenario("uas_agent.xml", ring_for=200, audio_pcap=pcap("g711a.pcap"))
    agent = asyncio.create_task(sipp.run(phone, "-p", str(agent_port), "-mp", str(free_even_port())))
    supervisor = asyncio.create_task(
        sipp.run(phone, "-p", str(supervisor_port), "-mp", str(free_even_port()))
    )
    caller = asyncio.create_task(
        sipp.run(
            sipp.scenario("uac_bridged.xml", before_dtmf=300, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
            "-s",
            "100",
            f"127.0.0.1:{switch.port}",
            "-p",
            str(free_port()),
            "-mp",
            str(free_even_port()),
            "-rtp_echo",
        )
    )
    await asyncio.wait_for(acd.bridged.wait(), 10)
    call = switch.calls[acd.arrived.get_nowait().call_id]

    await switch.monitor("default", call.call_id, "agent-202", "listen")
    await _until_heard(call, "agent-202<agent-201", 25)
    heard = call.conference.heard if call.conference else {}
    assert heard["agent-202<caller"] > 10 and heard["agent-202<agent-201"] > 25  # hears both
    assert heard["caller<agent-201"] > 25 and heard["agent-201<caller"] > 10  # who still talk
    assert heard["caller<agent-202"] == 0 and heard["agent-201<agent-202"] == 0  # unheard

    await switch.monitor("default", call.call_id, "agent-202", "barge")  # now everyone hears them
    await _until_heard(call, "caller<agent-202", 25)
    assert call.conference is not None and call.conference.heard["caller<agent-202"] > 25
    assert call.conference.heard["agent-201<agent-202"] > 25

    await switch.unmonitor("default", call.call_id, "agent-202")
    assert call.conference is None and call.relays  # back to a plain two-party bridge
    await switch.hangup("default", call.call_id)
    for task in (caller, agent, supervisor):
        result = await asyncio.wait_for(task, 15)
        assert result.returncode == 0, str(result)
    summary = switch.b2bua.history[-1] if switch.b2bua else None
    assert summary is not None and summary.parties == ("agent-201", "agent-202")
    assert summary.rtp["agent-202"].packets_sent > 50  # the mix, every 20 ms


async def _until_heard(call: SwitchCall, key: str, frames: int) -> None:
    """Wait (5 s at most) until the call's conference has mixed more than ``frames`` of
    ``key`` ("listener<speaker")."""
    for _ in range(100):
        if call.conference is not None and call.conference.heard[key] > frames:
            break
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("scenario", "reason"), [("uas_agent_unanswered.xml", "timeout"), ("uas_agent_busy.xml", "busy")]
)
async def test_agent_phone_that_does_not_take_the_call_is_reported(
    make_switch: SwitchFactory, sipp: Sipp, scenario: str, reason: str
) -> None:
    switch, acd = await make_switch(ring_timeout=1.0)
    acd.ring = "agent-201"
    agent_port = free_port()
    await register(switch, sipp, agent_port, "secret", 200)
    agent = asyncio.create_task(sipp.run(sipp.scenario(scenario), "-p", str(agent_port)))
    caller = asyncio.create_task(
        sipp.run(
            sipp.scenario("uac_bridged.xml", before_dtmf=300, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
            "-s",
            "100",
            f"127.0.0.1:{switch.port}",
            "-p",
            str(free_port()),
            "-mp",
            str(free_even_port()),
        )
    )
    arrived = await asyncio.wait_for(acd.arrived.get(), 10)
    result = await asyncio.wait_for(agent, 15)  # it got its CANCEL (or sent 486) and the ACK
    assert result.returncode == 0, str(result)
    for _ in range(40):
        if any(e[0] == "failed" for e in acd.events):
            break
        await asyncio.sleep(0.05)
    assert ("failed", arrived.call_id, "agent-201", reason) in acd.events
    assert switch.calls[arrived.call_id].agent_legs == {}
    await switch.hangup("default", arrived.call_id)
    assert (await asyncio.wait_for(caller, 15)).returncode == 0


async def test_unregistered_agent_is_reported_as_failed(make_switch: SwitchFactory, sipp: Sipp) -> None:
    switch, acd = await make_switch()
    acd.ring = "agent-202"
    caller = asyncio.create_task(
        sipp.run(
            sipp.scenario("uac_bridged.xml", before_dtmf=300, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
            "-s",
            "100",
            f"127.0.0.1:{switch.port}",
            "-p",
            str(free_port()),
            "-mp",
            str(free_even_port()),
        )
    )
    arrived = await asyncio.wait_for(acd.arrived.get(), 10)
    for _ in range(50):
        if any(e[0] == "failed" for e in acd.events):
            break
        await asyncio.sleep(0.05)
    assert ("failed", arrived.call_id, "agent-202", "not_registered") in acd.events
    await switch.hangup("default", arrived.call_id)
    assert (await asyncio.wait_for(caller, 15)).returncode == 0
