"""Both directions of a call recorded apart (stereo, or two mono files) on the call's
timeline, where the tenant asks: on a switch alone, and through the platform, where they are
kept with the call and served with its media quality (the API and /metrics).
"""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from liveserver import Api, LiveSip, start_live_sip
from rawcaller import CallerFactory, caller_factory_fixture, peak_frequencies, talk  # noqa: F401  (fixtures)
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


def read_wav(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        channels = wav.getnchannels()
        assert (wav.getframerate(), wav.getsampwidth()) == (8000, 2)
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return channels, data.reshape(-1, channels)


async def register_phone(switch_port: int, sipp: Sipp, extension: str = "201") -> int:
    port = free_port()
    result = await sipp.run(
        sipp.scenario("register.xml", expect=200),
        "-s",
        extension,
        "-au",
        extension,
        "-ap",
        "secret",
        f"127.0.0.1:{switch_port}",
        "-p",
        str(port),
    )
    assert result.returncode == 0, str(result)
    return port


@needs_sipp
@pytest.mark.parametrize("mode", ["stereo", "mono"])
async def test_both_directions_recorded_apart_where_the_tenant_asks(
    make_switch: SwitchFactory, caller_factory: CallerFactory, sipp: Sipp, tmp_path: Path, mode: str
) -> None:
    switch, acd = await make_switch(
        recording_dir=str(tmp_path / "rec"), split_recording_by_tenant={"default": mode}
    )
    acd.ring = "agent-201"
    agent_port = await register_phone(switch.port, sipp)
    agent = asyncio.create_task(
        sipp.run(
            sipp.scenario("uas_agent.xml", ring_for=100, audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(agent_port),
            "-mp",
            str(free_even_port()),
        )
    )
    caller = caller_factory(switch.port)
    await caller.invite()
    await caller.response(200)
    await caller.ack()
    await caller.send("INFO", body="1", content_type="application/dtmf")
    await asyncio.wait_for(acd.bridged.wait(), 10)
    call = next(iter(switch.calls.values()))
    await talk(caller, call.caller_leg.rtp.port, 1.5)
    await switch.hangup("default", call.call_id)
    result = await asyncio.wait_for(agent, 15)
    assert result.returncode == 0, str(result)
    summary = switch.b2bua.history[-1] if switch.b2bua else None
    assert summary is not None
    [mixed] = summary.recordings
    kinds = dict(summary.split_recordings)
    assert set(kinds) == ({"stereo"} if mode == "stereo" else {"caller", "agent"})
    if mode == "stereo":
        channels, frames = read_wav(kinds["stereo"])
        assert channels == 2
        left, right = frames[:, 0].astype(np.float64), frames[:, 1].astype(np.float64)
    else:
        (c1, left2), (c2, right2) = read_wav(kinds["caller"]), read_wav(kinds["agent"])
        assert c1 == c2 == 1
        left, right = left2[:, 0].astype(np.float64), right2[:, 0].astype(np.float64)
    _, mix = read_wav(mixed)
    assert len(left) == len(right) == len(mix), "split files are on the call's timeline"
    assert np.abs(left).max() > 2000 and np.abs(right).max() > 1000, "both sides have audio"
    assert peak_frequencies(left, 1) == pytest.approx([300.0], abs=5)  # the caller's tone, left
    assert np.abs(left - right).max() > 1000  # the sides differ: the agent's pcap is not the tone
    both = np.clip(left + right, -32768, 32767)
    assert np.abs(both - mix[:, 0]).max() <= 2, "the mix is the sum of the two sides"


# -- through the platform: stored with the call, served by the API and /metrics ------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    # the tenant's recordings are split too: set as the platform's settings are (env or TOML)
    yield from start_live_sip(
        tmp_path_factory.mktemp("sip-media"), sip_split_recording_by_tenant={"default": "stereo"}
    )


@needs_sipp
async def test_quality_and_split_recordings_are_kept_with_the_call(live: LiveSip, sipp: Sipp) -> None:
    assert live.container.sip is not None
    assert live.container.sip.switch.config.split_recording_by_tenant == {"default": "stereo"}
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        call_id = await _answered_call(live, sipp, agent, leader)
        await _check_stereo_recording(agent, call_id)
        await _check_quality(agent, call_id)
        metrics = httpx.get(f"{live.base_url}/metrics", timeout=10).text
        assert 'helpline_rtp_packets_received_total{role="caller",tenant="default"}' in metrics
        assert 'helpline_rtp_legs_total{role="agent",tenant="default"}' in metrics
        assert "helpline_rtp_live_legs" in metrics
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


async def _answered_call(live: LiveSip, sipp: Sipp, agent: Api, leader: Api) -> str:
    """A sipp caller (with a DTMF key) answered at agent1's sipp phone; -> the call's id,
    once both have hung up."""
    phone_port = free_port()
    result = await sipp.run(
        sipp.scenario("register.xml", expect=200),
        "-s",
        "8001",
        "-au",
        "8001",
        "-ap",
        "agent123",
        f"127.0.0.1:{live.sip_port}",
        "-p",
        str(phone_port),
    )
    assert result.returncode == 0, str(result)
    await agent.post("/agents/me/login")
    await agent.post("/agents/me/ready")
    phone = asyncio.create_task(
        sipp.run(
            sipp.scenario("uas_agent.xml", ring_for=200, audio_pcap=pcap("g711a.pcap")),
            "-p",
            str(phone_port),
            "-mp",
            str(free_even_port()),
        )
    )
    caller = asyncio.create_task(
        sipp.run(
            sipp.scenario("uac_dtmf.xml", before_dtmf=700, hold_for=2500, dtmf_pcap=pcap("dtmf_2833_1.pcap")),
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
    talking = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
    call_id = next(c["id"] for c in talking if c["state"] == "talking")
    for task in (caller, phone):
        result = await asyncio.wait_for(task, 30)
        assert result.returncode == 0, str(result)
    return str(call_id)


async def _check_stereo_recording(agent: Api, call_id: str) -> None:
    """The mixed and the stereo recordings are kept with the call; both sides spoke."""
    recordings = await agent.until(f"/calls/{call_id}/recordings", lambda r: len(r) == 2)
    assert [r["kind"] for r in recordings] == ["call", "stereo"]
    response = await agent.client.get(f"/calls/{call_id}/recording", params={"kind": "stereo"})
    assert response.status_code == 200
    with wave.open(io.BytesIO(response.content)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 2, 2)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    assert np.abs(frames[:, 0]).max() > 100 and np.abs(frames[:, 1]).max() > 100  # both sides spoke


async def _check_quality(agent: Api, call_id: str) -> None:
    """Both legs' media figures are kept with the call (404 for a call the platform never had)."""
    quality = await agent.until(f"/calls/{call_id}/quality", lambda q: len(q["legs"]) == 2)
    legs = {leg["role"]: leg for leg in quality["legs"]}
    assert set(legs) == {"caller", "agent"} and legs["agent"]["leg"] == agent.user_id
    for leg in legs.values():
        assert leg["packets_received"] > 50 and leg["packets_sent"] > 50
        assert leg["packets_lost"] == 0 and leg["jitter_ms"] < 50 and leg["codec"] in ("PCMU", "PCMA")
        assert leg["rtcp_sent"] >= 1  # at least the BYE report (sipp sends no RTCP back)
        assert leg["remote_packets_lost"] is None
    missing = await agent.client.get("/calls/sip-0000000000000000/quality")
    assert missing.status_code == 404
