"""baresip, a real softphone, as the agent's and the supervisor's phone: it registers with
digest auth, rings when the ACD offers a call, answers when told over ctrl_tcp, hears the
caller (its sndfile recording), is heard by the caller (its aufile microphone is in the
call's recording), and a supervisor's baresip on listen hears the conversation unheard.

The caller is sipp: it dials the inbound number, presses 1 in the IVR (RFC 4733), talks
(G.711 A-law from sipp's g711a.pcap) and hangs up.
"""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from baresip_harness import Baresip, needs_baresip, read_wav, write_tone
from liveserver import LiveSip, start_live_sip
from sipharness import (  # noqa: F401  (fixtures)
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

from helpline.adapters.telephony.sip.summary import CallSummary

pytestmark = [needs_sipp, needs_baresip]
AGENT_TONE, SUPERVISOR_TONE = 600.0, 1000.0


PhoneFactory = Callable[..., Awaitable[Baresip]]  # (user, password, registrar port, tone, register=True)


@pytest.fixture
async def phones(tmp_path: Path) -> AsyncIterator[PhoneFactory]:
    started: list[Baresip] = []

    async def start(
        user: str, password: str, registrar_port: int, tone: float, register: bool = True
    ) -> Baresip:
        workdir = tmp_path / f"baresip-{user}"
        workdir.mkdir()
        mic = write_tone(workdir / "mic.wav", tone)
        phone = Baresip(workdir, user, password, registrar_port, mic, register=register)
        started.append(phone)
        await phone.start()
        return phone

    yield start
    for phone in started:
        await phone.stop()


def energy_at(pcm: np.ndarray, freq: float) -> float:
    """Share of the signal's energy within 15 Hz of ``freq`` (8 kHz audio)."""
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / 8000)
    total = spectrum.sum()
    return float(spectrum[np.abs(freqs - freq) < 15].sum() / total) if total else 0.0


async def answer_when_rung(phone: Baresip, timeout: float = 15.0) -> None:
    incoming = await phone.event("CALL_INCOMING", timeout)
    assert "sip:" in incoming.get("peeruri", "sip:")
    response = await phone.command("accept")
    assert response.get("ok") is not False, response
    await phone.event("CALL_ESTABLISHED", 5)


async def test_baresip_agent_answers_hears_the_caller_and_is_heard_and_a_supervisor_listens(
    make_switch: SwitchFactory, sipp: Sipp, phones: PhoneFactory, tmp_path: Path
) -> None:
    switch, acd = await make_switch(
        recording_dir=str(tmp_path / "rec"), split_recording_by_tenant={"default": "stereo"}
    )
    acd.ring = "agent-201"
    agent = await phones("201", "secret", switch.port, AGENT_TONE)
    supervisor = await phones("202", "secret", switch.port, SUPERVISOR_TONE)
    assert switch.registrar.lookup("201") and switch.registrar.lookup("202")  # digest auth passed

    caller = _caller_who_talks(sipp, switch.port)
    await answer_when_rung(agent)  # the IVR took the key, the ACD rang 201: answer over ctrl_tcp
    await asyncio.wait_for(acd.bridged.wait(), 10)
    arrived = acd.arrived.get_nowait()
    assert arrived.digits == "1"

    await switch.monitor("default", arrived.call_id, "agent-202", "listen")  # 监听
    await answer_when_rung(supervisor)
    call = switch.calls[arrived.call_id]
    await asyncio.sleep(0.5)
    assert call.conference is not None and set(call.conference.participants) == {
        "caller",
        "agent-201",
        "agent-202",
    }

    result = await asyncio.wait_for(caller, 45)
    assert result.returncode == 0, str(result)
    await agent.event("CALL_CLOSED", 10)
    await supervisor.event("CALL_CLOSED", 10)
    summary = switch.b2bua.history[-1] if switch.b2bua else None
    assert summary is not None and summary.bridged == "agent-201"

    _check_what_each_heard(summary, agent, supervisor)


def _caller_who_talks(sipp: Sipp, switch_port: int) -> asyncio.Task[SippResult]:
    """A sipp caller: key 1 for the IVR, then it talks (G.711 A-law) and hangs up."""
    caller = asyncio.create_task(
        sipp.run(
            sipp.scenario(
                "uac_talks.xml",
                before_dtmf=600,
                before_talk=2500,
                hold_for=4500,
                dtmf_pcap=pcap("dtmf_2833_1.pcap"),
                audio_pcap=pcap("g711a.pcap"),
            ),
            "-s",
            "100",
            f"127.0.0.1:{switch_port}",
            "-p",
            str(free_port()),
            "-mp",
            str(free_even_port()),
            timeout=40,
        )
    )
    return caller


def _check_what_each_heard(summary: CallSummary, agent: Baresip, supervisor: Baresip) -> None:
    """Each phone heard the call and the recording holds the agent and the caller only."""
    # the caller's audio reached the agent's phone: baresip's own recording of what it heard
    [heard] = agent.recordings("dec")
    agent_heard = read_wav(heard)
    assert len(agent_heard) > 8000 * 2 and np.abs(agent_heard).max() > 1000, "the agent heard the caller"
    # baresip's microphone (aufile, 600 Hz) reached the call: the agent side of the recording
    [(kind, stereo)] = summary.split_recordings
    assert kind == "stereo"
    with wave.open(str(stereo), "rb") as wav:
        frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    agent_side, caller_side = frames[:, 1], frames[:, 0]
    assert energy_at(agent_side, AGENT_TONE) > 0.5, "the agent's microphone is in the recording"
    assert np.abs(caller_side).max() > 1000 and energy_at(caller_side, AGENT_TONE) < 0.2
    # a listening supervisor is not part of the conversation: not in the recording
    assert energy_at(frames[:, 0].astype(np.int32) + frames[:, 1], SUPERVISOR_TONE) < 0.01
    # ... but hears it: the supervisor's phone received the agent's tone and the caller
    [supervisor_heard] = supervisor.recordings("dec")
    listened = read_wav(supervisor_heard)
    assert np.abs(listened).max() > 1000 and energy_at(listened, AGENT_TONE) > 0.05
    assert summary.heard.get("agent-202<agent-201", 0) > 25 and summary.heard.get("agent-202<caller", 0) > 25
    # baresip sends RTCP: its reports about our stream are kept with the agent's leg
    agent_rtp = summary.rtp["agent-201"]
    assert agent_rtp.rtcp_received >= 1 and agent_rtp.far_end is not None
    assert agent_rtp.far_end.cumulative_lost == 0


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("sip-baresip"))


async def test_the_platform_rings_a_baresip_desk_phone_from_the_queue(
    live: LiveSip, sipp: Sipp, phones: PhoneFactory
) -> None:
    """The whole platform: the agent signs in over HTTP, baresip is their registered phone,
    the caller goes through the IVR into the ``general`` queue and the ACD rings baresip."""
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        phone = await phones("8001", "agent123", live.sip_port, AGENT_TONE)
        assert (await agent.get(f"/agents/{agent.user_id}/sip"))["registered"] is True
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        caller = asyncio.create_task(
            sipp.run(
                sipp.scenario(
                    "uac_talks.xml",
                    before_dtmf=700,
                    before_talk=2500,
                    hold_for=3000,
                    dtmf_pcap=pcap("dtmf_2833_1.pcap"),
                    audio_pcap=pcap("g711a.pcap"),
                ),
                "-s",
                "100",
                f"127.0.0.1:{live.sip_port}",
                "-p",
                str(free_port()),
                "-mp",
                str(free_even_port()),
                timeout=40,
            )
        )
        await answer_when_rung(phone)
        [call] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        assert call["queue_id"] == "general" and call["agent_id"] == agent.user_id
        result = await asyncio.wait_for(caller, 45)
        assert result.returncode == 0, str(result)
        await phone.event("CALL_CLOSED", 10)
        record = await leader.until(f"/calls/{call['id']}", lambda r: r["ended_at"] is not None)
        assert record["answered_at"] is not None and record["ended_by"] == "caller"
        [heard] = phone.recordings("dec")
        assert np.abs(read_wav(heard)).max() > 1000  # the caller's voice reached the desk phone
        response = await agent.client.get(f"/calls/{call['id']}/recording")
        assert response.status_code == 200
        with wave.open(io.BytesIO(response.content)) as wav:
            mixed = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
        assert energy_at(mixed, AGENT_TONE) > 0.1  # and the desk phone's voice is in the recording
        quality = await agent.until(f"/calls/{call['id']}/quality", lambda q: len(q["legs"]) == 2)
        desk = next(leg for leg in quality["legs"] if leg["role"] == "agent")
        assert desk["rtcp_received"] >= 1 and desk["remote_packets_lost"] == 0  # baresip's RTCP
        assert desk["remote_jitter_ms"] is not None and desk["remote_jitter_ms"] < 50
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


async def test_a_baresip_caller_dials_keys_through_the_ivr_and_its_keys_reach_the_agent_phone(
    make_switch: SwitchFactory, phones: PhoneFactory
) -> None:
    """baresip as the caller too: ``dial`` the number, ``sndcode`` 1 for the menu (RFC 4733
    from a real phone), and once bridged a key the caller presses is relayed to the agent's
    baresip, which reports it as a DTMF event."""
    switch, acd = await make_switch()
    acd.ring = "agent-201"
    agent = await phones("201", "secret", switch.port, AGENT_TONE)
    caller = await phones("13800138000", "", switch.port, 800.0, register=False)
    await caller.command("dial", f"sip:100@127.0.0.1:{switch.port}")
    await caller.event("CALL_ESTABLISHED", 10)  # the switch answers; the IVR plays its menu
    await asyncio.sleep(0.5)
    await caller.command("sndcode", "1")
    arrived = await asyncio.wait_for(acd.arrived.get(), 10)
    assert arrived.digits == "1" and arrived.caller == "13800138000"
    await answer_when_rung(agent)
    await asyncio.wait_for(acd.bridged.wait(), 10)
    await asyncio.sleep(0.5)
    before = len(agent.events)
    await caller.command("sndcode", "5")
    pressed = await agent.event("CALL_DTMF_START", 5, after=before)
    assert pressed.get("param") == "5"
    await caller.command("hangup")
    await agent.event("CALL_CLOSED", 10)
    await asyncio.wait_for(acd.caller_gone.wait(), 5)
