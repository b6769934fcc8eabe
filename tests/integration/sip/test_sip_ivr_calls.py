"""The IVR, the queue and the survey on real SIP calls through the whole platform: a caller
rates the agent after the agent hangs up (the score lands on the call record), takes the
callback offered after a long wait, and leaves a voicemail linked to the call."""

from __future__ import annotations

import asyncio
import copy
import io
import wave
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import pytest
from liveserver import Api, LiveSip, start_live_sip
from sipharness import (  # noqa: F401  (fixtures)
    Sipp,
    free_even_port,
    free_port,
    needs_sipp,
    pcap,
    sipp_fixture,
)

from helpline.app.ivr.flows import DEMO_FLOW

pytestmark = needs_sipp


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSip]:
    yield from start_live_sip(tmp_path_factory.mktemp("sip-ivr"))


@pytest.fixture
async def admin(live: LiveSip) -> AsyncIterator[Api]:
    """The admin's API; the demo flow is put back after each test."""
    api = live.api("admin", "admin123")
    yield api
    await api.client.put("/ivr/flows/default", json={"name": "demo", "definition": DEMO_FLOW})
    await api.aclose()


async def put_flow(admin: Api, definition: dict[str, Any]) -> None:
    response = await admin.client.put("/ivr/flows/default", json={"name": "test", "definition": definition})
    assert response.status_code == 200, response.text


def call(
    sipp: Sipp, live: LiveSip, first: str, second: str | None, before_second: int = 0, timeout: float = 40
) -> asyncio.Task[Any]:
    if second is None:
        scenario = sipp.scenario(
            "uac_bridged.xml", before_dtmf=700, dtmf_pcap=pcap(f"dtmf_2833_{first}.pcap")
        )
    else:
        scenario = sipp.scenario(
            "uac_two_keys.xml",
            before_dtmf=700,
            dtmf_pcap=pcap(f"dtmf_2833_{first}.pcap"),
            before_second=before_second,
            second_pcap=pcap(f"dtmf_2833_{second}.pcap"),
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
            timeout=timeout,
        )
    )


async def finished(task: asyncio.Task[Any]) -> None:
    result = await asyncio.wait_for(task, 60)
    assert result.returncode == 0, str(result)


async def test_the_caller_rates_the_agent_after_the_agent_hangs_up(
    live: LiveSip, sipp: Sipp, admin: Api
) -> None:
    flow = copy.deepcopy(DEMO_FLOW)  # short prompts: the test need not listen to the defaults
    flow["survey"] = {"say": "请评分。", "thanks_say": "谢谢。", "timeout": 8}
    await put_flow(admin, flow)
    agent, leader = live.api("agent1", "agent123"), live.api("leader", "leader123")
    try:
        port = free_port()
        registered = await sipp.run(
            sipp.scenario("register.xml", expect=200),
            "-s",
            "8001",
            "-au",
            "8001",
            "-ap",
            "agent123",
            f"127.0.0.1:{live.sip_port}",
            "-p",
            str(port),
        )
        assert registered.returncode == 0, str(registered)
        await agent.post("/agents/me/login")
        await agent.post("/agents/me/ready")
        phone = asyncio.create_task(
            sipp.run(
                sipp.scenario("uas_agent.xml", ring_for=200, audio_pcap=pcap("g711a.pcap")),
                "-p",
                str(port),
                "-mp",
                str(free_even_port()),
                timeout=40,
            )
        )
        caller = call(sipp, live, "1", "4", before_second=6000)  # 4 = satisfied, during the survey

        [talking] = await leader.until("/calls", lambda calls: any(c["state"] == "talking" for c in calls))
        await agent.post(f"/calls/{talking['id']}/hangup")  # the agent hangs up from the desktop
        await finished(phone)  # the agent's phone is released at once...
        await finished(caller)  # ...the caller stays for the survey, then the switch hangs up

        record = await leader.until(
            f"/calls/{talking['id']}", lambda r: r["satisfaction"] is not None, timeout=15
        )
        assert record["satisfaction"] == 4 and record["ended_by"] == "agent"
        assert "satisfaction_rated" in [s["type"] for s in record["segments"]]
    finally:
        await agent.client.post("/agents/me/logout")
        await agent.aclose()
        await leader.aclose()


async def test_a_long_wait_is_offered_as_a_callback_and_the_caller_takes_it(
    live: LiveSip, sipp: Sipp, admin: Api
) -> None:
    flow = copy.deepcopy(DEMO_FLOW)
    # key 9 takes the offer (sipp replays pcaps verbatim: a second "1" would carry the first
    # one's RTP timestamp and be taken, rightly, for a repeat of it)
    flow["waiting"].update(callback_after=1, announce_every=0, callback_key="9", confirm_say="好的，再见。")
    await put_flow(admin, flow)
    leader = live.api("leader", "leader123")
    try:
        caller = call(sipp, live, "1", "9", before_second=4000)  # nobody is ready: the call waits
        await finished(caller)
        [request] = await leader.until("/callbacks", lambda rows: len(rows) == 1)
        assert request["number"] == "5551234" and request["source"] == "queue"
        assert request["queue_id"] == "general" and request["status"] == "open"
        record = await leader.until(f"/calls/{request['call_id']}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "callback" and record["answered_at"] is None
        done = await leader.post(f"/callbacks/{request['id']}/done")
        assert done["status"] == "done"
    finally:
        await leader.aclose()


async def test_the_caller_leaves_a_voicemail_linked_to_the_call(
    live: LiveSip, sipp: Sipp, admin: Api
) -> None:
    flow = copy.deepcopy(DEMO_FLOW)
    flow["nodes"]["menu"]["options"]["4"] = "message"
    flow["nodes"]["message"] = {"type": "voicemail", "say": "请留言。", "max_seconds": 5}
    await put_flow(admin, flow)
    leader = live.api("leader", "leader123")
    try:
        await finished(call(sipp, live, "4", None))  # -rtp_echo: the caller "speaks" what it hears
        switch = live.container.sip.switch if live.container.sip else None
        ended = [c for c in (switch.b2bua.history if switch and switch.b2bua else []) if c.digits == "4"]
        assert ended, "the call did not go through the IVR"
        call_id = ended[-1].call_id
        record = await leader.until(f"/calls/{call_id}", lambda r: r["ended_at"] is not None)
        assert record["ended_by"] == "voicemail" and record["queue_id"] is None
        listed = await leader.until(
            f"/calls/{call_id}/recordings", lambda rows: any(r["kind"] == "voicemail" for r in rows)
        )
        voicemail = next(r for r in listed if r["kind"] == "voicemail")
        assert 4.0 <= voicemail["seconds"] <= 6.0  # max_seconds, as the caller never pressed #
        response = await leader.client.get(f"/calls/{call_id}/recording", params={"kind": "voicemail"})
        assert response.status_code == 200
        with wave.open(io.BytesIO(response.content)) as wav:
            assert wav.getframerate() == 8000 and wav.getnframes() > 8000 * 3
    finally:
        await leader.aclose()


def short_wav() -> bytes:
    """0.3 s of tone at 44.1 kHz stereo: a tenant's own (studio format) recording."""
    t = np.arange(int(44100 * 0.3)) / 44100
    tone = (np.sin(2 * np.pi * 660 * t) * 8000).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setparams((2, 2, 44100, 0, "NONE", "not compressed"))
        out.writeframes(np.repeat(tone, 2).tobytes())
    return buffer.getvalue()


async def test_a_queue_that_gives_up_on_the_caller_books_a_callback(
    live: LiveSip, sipp: Sipp, admin: Api
) -> None:
    flow = copy.deepcopy(DEMO_FLOW)
    flow["waiting"].update(callback_after=None, announce_every=0)
    await put_flow(admin, flow)
    uploaded = await admin.client.put(
        "/ivr/prompts/callback_ok", files={"file": ("ok.wav", short_wav(), "audio/wav")}
    )
    assert uploaded.status_code == 200, uploaded.text
    changed = await admin.client.patch("/queues/general", json={"max_wait": 2, "exit_action": "callback"})
    assert changed.status_code == 200, changed.text
    leader = live.api("leader", "leader123")
    try:
        await finished(call(sipp, live, "1", None))  # nobody ready: after 2 s the queue gives up
        rows = await leader.until(
            "/callbacks", lambda rows: any(r["data"].get("cause") == "queue_exit" for r in rows)
        )
        request = next(r for r in rows if r["data"].get("cause") == "queue_exit")
        assert request["queue_id"] == "general" and request["number"] == "5551234"
        record = await leader.until(f"/calls/{request['call_id']}", lambda r: r["ended_at"] is not None)
        assert record["outcome"] == "callback"
    finally:
        await admin.client.patch("/queues/general", json={"max_wait": 300, "exit_action": "callback"})
        await admin.client.delete("/ivr/prompts/callback_ok")
        await leader.aclose()
