"""A call as the switch holds it: the caller's leg, the agent legs rung for it, and what the
caller hears (IVR prompt, music on hold, or an agent through the RTP relay).

The relay forwards each received RTP packet to the other leg at once (no jitter buffer,
which a G.711 relay does not need), transcoding PCMU<->PCMA when the legs differ and
re-stamping RFC 4733 events so each event keeps one timestamp on the far side.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Coroutine
from enum import StrEnum
from pathlib import Path
from typing import Any

from helpline.adapters.telephony.sip import g711
from helpline.adapters.telephony.sip.conference import Conference
from helpline.adapters.telephony.sip.ivr import IvrSession
from helpline.adapters.telephony.sip.leg import Leg, LegState
from helpline.adapters.telephony.sip.recording import CallRecorder, Track
from helpline.adapters.telephony.sip.rtp import DtmfEvent, RtpPacket, RtpSession


class CallPhase(StrEnum):
    IVR = "ivr"
    QUEUED = "queued"  # handed to the ACD; music on hold until an agent is bridged
    BRIDGED = "bridged"
    HELD = "held"
    SURVEY = "survey"  # the agent hung up; the caller rates the call
    ENDED = "ended"


class Relay:
    """Forwards the RTP one leg receives to another leg's session."""

    def __init__(self, source: Leg, target: RtpSession, counts: dict[str, int], key: str) -> None:
        self.source = source
        self.target = target
        self.counts = counts  # packets relayed, by direction, over the whole call
        self.key = key
        self._events: dict[int, int] = {}  # incoming event timestamp -> outgoing timestamp

    def __call__(self, packet: RtpPacket) -> None:
        plan, target = self.source.plan, self.target
        if plan is None or target.plan is None:
            return
        if packet.pt == plan.dtmf_pt:
            event = DtmfEvent.parse(packet.payload)
            if event is not None:
                if packet.timestamp not in self._events:
                    self._events = {packet.timestamp: target.next_timestamp}
                target.send_dtmf(event, self._events[packet.timestamp])
                self.counts[self.key] += 1
        elif packet.pt == plan.pt and packet.payload:
            target.send_payload(g711.transcode(packet.payload, plan.codec, target.codec), len(packet.payload))
            self.counts[self.key] += 1


class SwitchCall:
    def __init__(self, tenant_id: str, call_id: str, caller_leg: Leg, *, caller: str, callee: str,
                 source: str) -> None:
        self.tenant_id = tenant_id
        self.call_id = call_id
        self.caller_leg = caller_leg
        self.caller = caller
        self.callee = callee
        self.source = source
        self.phase = CallPhase.IVR
        self.agent_legs: dict[str, Leg] = {}
        self.bridged: str | None = None
        self.last_bridged: str | None = None
        self.placed: list[tuple[str, Leg]] = []  # every agent/supervisor leg placed, for the record
        self.pending_bridge: str | None = None
        self.handed_over = False
        self.digits = ""
        self.ivr: IvrSession | None = None
        self.relays: dict[str, Relay] = {}
        self.relayed = {"to_agent": 0, "to_caller": 0}
        self.supervisor_legs: dict[str, Leg] = {}
        self.supervisor_modes: dict[str, str] = {}
        self.conference: Conference | None = None
        self.heard: Counter[str] = Counter()  # what the conferences mixed, "listener<speaker"
        self.recorder: CallRecorder | None = None
        self.recordings: list[Path] = []
        self.recording_seconds = 0.0
        self._media: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return f"SwitchCall({self.call_id!r}, {self.phase.value}, bridged={self.bridged!r})"

    # -- background work ----------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def play(self, coro: Coroutine[Any, Any, None]) -> None:
        """Make ``coro`` what the caller hears (replacing the prompt or music playing now)."""
        self.stop_media()
        self._media = self.spawn(coro)

    def stop_media(self) -> None:
        if self._media is not None and not self._media.done():
            self._media.cancel()
        self._media = None

    # -- media wiring -------------------------------------------------------------------------

    def record(self, path: Path) -> None:
        """Record the call to ``path``: one mixed WAV of the caller and, as each is wired,
        the agents and any supervisor the caller can hear."""
        self.recorder = CallRecorder(path)
        self.recordings.append(path)
        self.wire(self.caller_leg, None)

    def _track(self, leg: Leg) -> Track | None:
        if self.recorder is None:
            return None
        if leg.role == "supervisor" and self.supervisor_modes.get(leg.agent_id or "") not in (
                "barge", "intercept"):
            return None  # a listening or whispering supervisor is not part of the conversation
        return self.recorder.track(leg.agent_id or "caller")

    def wire(self, leg: Leg, relay: Relay | None) -> None:
        """What happens to the audio ``leg`` receives: recorded, and relayed if ``relay``."""
        recorder = self._track(leg)

        def on_packet(packet: RtpPacket) -> None:
            plan = leg.plan
            if recorder is not None and plan is not None and packet.pt == plan.pt:
                recorder.write(g711.decode(packet.payload, plan.codec))
            if relay is not None:
                relay(packet)

        leg.rtp.on_packet = on_packet

    def connect(self, agent_id: str) -> None:
        """Put the agent through to the caller (and to any supervisor on the call)."""
        self.stop_media()
        self.bridged = self.last_bridged = agent_id
        self.pending_bridge = None
        self.phase = CallPhase.BRIDGED
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the media paths from who is on the call now: nothing while on hold, a
        relay between caller and agent, or a conference as soon as a supervisor is on."""
        self._stop_conference()
        self.disconnect()
        if self.phase in (CallPhase.HELD, CallPhase.ENDED):
            return
        agent_leg = self.agent_legs.get(self.bridged) if self.bridged else None
        if agent_leg is not None and agent_leg.state is not LegState.CONFIRMED:
            agent_leg = None
        supervisors = {s: leg for s, leg in self.supervisor_legs.items() if leg.state is LegState.CONFIRMED}
        if supervisors:
            self.stop_media()
            conference = Conference()
            conference.add("caller", "caller", self.caller_leg)
            if agent_leg is not None and self.bridged is not None:
                conference.add(self.bridged, "agent", agent_leg)
            for supervisor_id, leg in supervisors.items():
                conference.add(supervisor_id, "supervisor", leg, self.supervisor_modes.get(supervisor_id))
            for key in conference.participants:
                conference.tap(key)
            conference.start()
            self.conference = conference
        elif agent_leg is not None:
            to_agent = Relay(self.caller_leg, agent_leg.rtp, self.relayed, "to_agent")
            to_caller = Relay(agent_leg, self.caller_leg.rtp, self.relayed, "to_caller")
            self.relays = {"to_agent": to_agent, "to_caller": to_caller}
            self.wire(self.caller_leg, to_agent)
            self.wire(agent_leg, to_caller)

    def _stop_conference(self) -> None:
        if self.conference is not None:
            self.conference.stop()
            self.heard.update(self.conference.heard)
            self.conference = None

    def disconnect(self) -> None:
        """Nothing flows between the legs (hold, or someone left); recording goes on."""
        self.wire(self.caller_leg, None)
        for leg in [*self.agent_legs.values(), *self.supervisor_legs.values()]:
            if leg.live:
                self.wire(leg, None)
        self.relays = {}

    def live_agent_legs(self) -> list[tuple[str, Leg]]:
        return [(a, leg) for a, leg in self.agent_legs.items() if leg.state is not LegState.ENDED]

    async def close(self) -> None:
        """Stop everything the call runs; recordings are finalised."""
        self.phase = CallPhase.ENDED
        self._stop_conference()
        self.stop_media()
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self.recorder is not None:
            self.recording_seconds = self.recorder.close()
            self.recorder = None
