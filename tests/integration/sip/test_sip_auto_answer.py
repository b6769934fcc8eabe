"""Auto-answer and answering at the desktop with a desk phone, against sipp as the phone.

sipp plays a phone that honours ``Call-Info: answer-after=0`` (as Yealink, Polycom and most
softphones do): such an INVITE is answered at once, any other only rings. Debian's baresip
(1.0.0) predates its answer-after support, so it cannot play this phone. The caller is
sipp too: it dials the inbound number, presses 1 and echoes what it hears.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from liveserver import LiveSip, start_live_sip
from sipharness import (  # noqa: F401  (fixtures)
    SIPP,
    Sipp,
    SippResult,
    SwitchFactory,
    free_even_port,
    free_port,
    make_switch_fixture,
    needs_sipp,
    pcap,
    sipp_fixture,
)
from test_sip_platform import register_phone

from helpline.adapters.telephony.sip.calls import SwitchCall
from helpline.adapters.telephony.sip.leg import Leg, LegState
from helpline.adapters.telephony.sip.switch import SipSwitch

pytestmark = needs_sipp


async def run_phone(sipp: Sipp, scenario: Path, *args: str, calls: int, timeout: float = 30.0) -> SippResult:
    """sipp as a phone that takes ``calls`` INVITEs (``Sipp.run`` stops after one)."""
    assert SIPP is not None
    proc = await asyncio.create_subprocess_exec(
        SIPP,
        "-sf",
        str(scenario),
        *args,
        "-m",
        str(calls),
        "-nostdin",
        "-timeout",
        f"{int(timeout)}s",
        "-timeout_error",
        "-trace_err",
        "-i",
        "127.0.0.1",
        "-mi",
        "127.0.0.1",
        cwd=sipp.workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout + 10)
    errors = "".join(p.read_text(errors="replace") for p in sipp.workdir.glob(f"{scenario.stem}*_errors.log"))
    return SippResult(
        proc.returncode if proc.returncode is not None else -1,
        out.decode(errors="replace"),
        err.decode(errors="replace"),
        errors,
    )


async def register(switch: SipSwitch, sipp: Sipp, port: int) -> None:
    result = await sipp.run(
        sipp.scenario("register.xml", expect=200),
        "-s",
        "201",
        "-au",
        "201",
        "-ap",
        "secret",
        f"127.0.0.1:{switch.port}",
        "-p",
        str(port),
    )
    assert result.returncode == 0, str(result)


def start_caller(switch: SipSwitch, sipp: Sipp) -> asyncio.Task[SippResult]:
    scenario = sipp.scenario("uac_bridged.xml", before_dtmf=300, dtmf_pcap=pcap("dtmf_2833_1.pcap"))
    return asyncio.create_task(
        sipp.run(
            scenario,
            "-s",
            "100",
            f"127.0.0.1:{switch.port}",
            "-p",
            str(free_port()),
            "-mp",
            str(free_even_port()),
            "-rtp_echo",
            timeout=30,
        )
    )


async def ringing_leg(switch: SipSwitch, call_id: str, agent_id: str) -> Leg:
    """The agent's leg once the phone says 180 Ringing."""
    for _ in range(200):
        call = switch.calls.get(call_id)
        leg = call.agent_legs.get(agent_id) if call is not None else None
        if leg is not None and leg.state is LegState.EARLY:
            return leg
        await asyncio.sleep(0.05)
    raise AssertionError(f"{agent_id}'s phone did not ring")


async def talking(switch: SipSwitch, call_id: str) -> dict[str, int]:
    """RTP crossed the bridge both ways (the phone's pcap to the caller, who echoes it)."""
    call = switch.calls[call_id]
    for _ in range(100):
        if call.relayed["to_caller"] > 10 and call.relayed["to_agent"] > 10:
            break
        await asyncio.sleep(0.05)
    return dict(call.relayed)


async def finish(switch: SipSwitch, call_id: str, *tasks: asyncio.Task[SippResult]) -> None:
    await switch.hangup("default", call_id)
    for task in tasks:
        result = await asyncio.wait_for(task, 20)
        assert result.returncode == 0, str(result)


async def test_auto_answer_agent_phone_picks_up_by_itself(make_switch: SwitchFactory, sipp: Sipp) -> None:
    switch, acd = await make_switch()
    assert switch.b2bua is not None
    switch.b2bua.auto_answer_of = lambda tenant_id, agent_id: (
        (tenant_id, agent_id) == ("default", "agent-201")
    )
    acd.ring = "agent-201"
    port = free_port()
    await register(switch, sipp, port)
    phone = asyncio.create_task(
        run_phone(
            sipp,
            sipp.scenario("uas_phone_answer_after.xml", audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(port),
            "-mp",
            str(free_even_port()),
            calls=1,
        )
    )
    caller = start_caller(switch, sipp)

    await asyncio.wait_for(acd.bridged.wait(), 15)  # nobody told the phone to answer
    call_id = acd.arrived.get_nowait().call_id
    leg = switch.calls[call_id].agent_legs["agent-201"]
    assert (
        leg.invite.headers.get("call-info") == f"<sip:{switch.ua.host if switch.ua else ''}>;answer-after=0"
    )
    assert leg.invite.headers.get("alert-info") == "<http://127.0.0.1>;info=alert-autoanswer"
    assert ("answered", call_id, "agent-201") in acd.events  # the ACD sees the answer as usual
    relayed = await talking(switch, call_id)
    assert relayed["to_caller"] > 10 and relayed["to_agent"] > 10
    await finish(switch, call_id, phone, caller)


async def test_answer_at_the_desktop_makes_the_ringing_desk_phone_pick_up(
    make_switch: SwitchFactory, sipp: Sipp
) -> None:
    switch, acd = await make_switch()  # desk_answer="reinvite", the default
    acd.ring = "agent-201"
    port = free_port()
    await register(switch, sipp, port)
    phone = asyncio.create_task(
        run_phone(
            sipp,
            sipp.scenario("uas_phone_answer_after.xml", audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(port),
            "-mp",
            str(free_even_port()),
            calls=2,
        )
    )
    caller = start_caller(switch, sipp)
    arrived = await asyncio.wait_for(acd.arrived.get(), 15)
    first = await ringing_leg(switch, arrived.call_id, "agent-201")
    assert first.invite.headers.get("call-info") is None  # auto-answer off: an ordinary ring

    await switch.bridge("default", arrived.call_id, "agent-201")  # what the ACD does on POST .../answer
    await asyncio.wait_for(acd.bridged.wait(), 10)
    call = switch.calls[arrived.call_id]
    again = call.agent_legs["agent-201"]
    assert again is not first and again.state is LegState.CONFIRMED and call.bridged == "agent-201"
    assert first.end_cause == "answered_at_desktop" and again.auto_answer
    assert [party for party, _ in call.placed] == ["agent-201"]
    assert not [e for e in acd.events if e[0] == "failed"]  # the cancelled ring is no refusal
    relayed = await talking(switch, arrived.call_id)
    assert relayed["to_caller"] > 10 and relayed["to_agent"] > 10
    await finish(switch, arrived.call_id, phone, caller)


async def test_with_desk_answer_off_the_phone_rings_on_until_lifted(
    make_switch: SwitchFactory, sipp: Sipp
) -> None:
    switch, acd = await make_switch(desk_answer="off")
    acd.ring = "agent-201"
    port = free_port()
    await register(switch, sipp, port)
    phone = asyncio.create_task(
        sipp.run(
            sipp.scenario("uas_agent.xml", ring_for=1500, audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(port),
            "-mp",
            str(free_even_port()),
            timeout=30,
        )
    )
    caller = start_caller(switch, sipp)
    arrived = await asyncio.wait_for(acd.arrived.get(), 15)
    first = await ringing_leg(switch, arrived.call_id, "agent-201")
    await switch.bridge("default", arrived.call_id, "agent-201")
    await asyncio.sleep(0.3)
    assert switch.calls[arrived.call_id].agent_legs["agent-201"] is first and first.state is LegState.EARLY
    await asyncio.wait_for(acd.bridged.wait(), 10)  # the agent lifted the handset: bridged then
    assert first.state is LegState.CONFIRMED
    relayed = await talking(switch, arrived.call_id)
    assert relayed["to_caller"] > 10
    await finish(switch, arrived.call_id, phone, caller)


async def test_desk_answer_by_notify_talk_falls_back_to_answer_after(
    make_switch: SwitchFactory, sipp: Sipp
) -> None:
    """A phone that accepts the NOTIFY (Event: talk) but stays on-hook (sipp cannot act on
    it): ``notify_answer_wait`` later the switch rings it again with answer-after, and it
    picks up."""
    switch, acd = await make_switch(desk_answer="notify", notify_answer_wait=0.5)
    acd.ring = "agent-201"
    port = free_port()
    await register(switch, sipp, port)
    phone = asyncio.create_task(
        run_phone(
            sipp,
            sipp.scenario("uas_phone_answer_after.xml", audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(port),
            "-mp",
            str(free_even_port()),
            calls=3,
        )
    )
    caller = start_caller(switch, sipp)
    arrived = await asyncio.wait_for(acd.arrived.get(), 15)
    first = await ringing_leg(switch, arrived.call_id, "agent-201")
    await switch.bridge("default", arrived.call_id, "agent-201")
    await asyncio.sleep(0.3)  # the NOTIFY was answered; the phone rings on for notify_answer_wait
    assert switch.calls[arrived.call_id].agent_legs["agent-201"] is first
    await asyncio.wait_for(acd.bridged.wait(), 15)
    call = switch.calls[arrived.call_id]
    assert call.agent_legs["agent-201"] is not first and call.bridged == "agent-201"
    relayed = await talking(switch, arrived.call_id)
    assert relayed["to_caller"] > 10 and relayed["to_agent"] > 10
    await finish(switch, arrived.call_id, phone, caller)


# -- through the platform: the setting's API, and POST /calls/{id}/answer with a desk phone ----


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("sip-auto-answer"))


def dial_in(live: LiveSip, sipp: Sipp, hold_for: int = 4000) -> asyncio.Task[SippResult]:
    scenario = sipp.scenario(
        "uac_dtmf.xml", before_dtmf=700, hold_for=hold_for, dtmf_pcap=pcap("dtmf_2833_1.pcap")
    )
    return asyncio.create_task(
        sipp.run(
            scenario,
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


def switch_call(live: LiveSip, call_id: str) -> SwitchCall:
    assert live.container.sip is not None
    return live.container.sip.switch.calls[call_id]


async def test_auto_answer_is_set_through_the_api_and_the_phone_then_answers_by_itself(
    live: LiveSip, sipp: Sipp
) -> None:
    admin, agent, other = (
        live.api("admin", "admin123"),
        live.api("agent1", "agent123"),
        live.api("agent2", "agent123"),
    )
    leader = live.api("leader", "leader123")
    path = f"/agents/{agent.user_id}/sip/auto-answer"
    try:
        refused = await other.client.put(path, json={"enabled": True})
        assert refused.status_code == 403  # only the admin or agent1 themself
        bad = await agent.client.put(path, json={"enabled": "maybe"})
        assert bad.status_code == 422, bad.text
        missing = await admin.client.put("/agents/no-such-user/sip/auto-answer", json={"enabled": True})
        assert missing.status_code == 404 and missing.json()["code"] == "sip_account_not_found"
        on = await agent.client.put(path, json={"enabled": True})
        assert on.status_code == 200 and on.json()["auto_answer"] is True, on.text
        assert (await agent.get(f"/agents/{agent.user_id}/sip"))["auto_answer"] is True

        phone_port = await register_phone(live, sipp, "8001", "agent123")
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        phone = asyncio.create_task(
            run_phone(
                sipp,
                sipp.scenario("uas_phone_answer_after.xml", audio_pcap=pcap("g711a.pcap")),
                "-p",
                str(phone_port),
                "-mp",
                str(free_even_port()),
                calls=1,
            )
        )
        caller = dial_in(live, sipp)
        [talking] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        assert talking["agent_id"] == agent.user_id  # nobody pressed Answer: the phone picked up
        call, me = switch_call(live, talking["id"]), agent.user_id
        await until(lambda: call.relayed.get(f"caller<{me}", 0) > 25)
        for task in (caller, phone):
            result = await asyncio.wait_for(task, 30)
            assert result.returncode == 0, str(result)
    finally:
        await admin.client.put(path, json={"enabled": False})
        await agent.client.post("/agents/me/logout")
        for api in (admin, agent, other, leader):
            await api.aclose()


async def test_answering_at_the_desktop_makes_the_ringing_desk_phone_pick_up(
    live: LiveSip, sipp: Sipp
) -> None:
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        assert (await agent.get(f"/agents/{agent.user_id}/sip"))["auto_answer"] is False
        phone_port = await register_phone(live, sipp, "8001", "agent123")
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        phone = asyncio.create_task(
            run_phone(
                sipp,
                sipp.scenario("uas_phone_answer_after.xml", audio_pcap=pcap("g711a.pcap")),
                "-p",
                str(phone_port),
                "-mp",
                str(free_even_port()),
                calls=2,
            )
        )
        caller = dial_in(live, sipp, hold_for=5000)
        [offered] = await leader.until("/calls", lambda calls: any(c["state"] == "offered" for c in calls))
        await asyncio.sleep(0.5)  # the phone rings (it would ring on: it only picks up on answer-after)
        assert (await leader.get(f"/calls/{offered['id']}"))["answered_at"] is None
        await agent.post(f"/calls/{offered['id']}/answer")  # the desktop's Answer button (Alt+A)
        assert (await agent.get("/agents/me"))["state"] == "talking"
        call, me = switch_call(live, offered["id"]), agent.user_id
        await until(lambda: call.bridged == me and call.relayed.get(f"caller<{me}", 0) > 25)
        await until(lambda: call.relayed.get(f"{me}<caller", 0) > 25)  # both ways
        for task in (caller, phone):
            result = await asyncio.wait_for(task, 30)
            assert result.returncode == 0, str(result)
        record = await leader.until(f"/calls/{offered['id']}", lambda r: r["ended_at"] is not None)
        assert record["agent_id"] == me and record["outcome"] == "handled"
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not in time")
