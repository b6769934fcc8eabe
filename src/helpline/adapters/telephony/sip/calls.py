"""A call as the switch holds it: the caller's leg, the agent legs rung for it, and what the
caller hears (IVR prompt, music on hold, or an agent through the RTP relay). The "caller"
is the customer's leg: the one who dialled in, or the number an agent dialled out to.

A consult (attended transfer) lives inside the customer's call: the consulted party's leg
is the call's :class:`Consult`, related to the caller only when the consult is completed
(the leg becomes the call's agent) or turned into a three-way conference (``members``).

The relay forwards each received RTP packet to the other leg at once (no jitter buffer,
which a G.711 relay does not need), transcoding PCMU<->PCMA when the legs differ and
re-stamping RFC 4733 events so each event keeps one timestamp on the far side.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from helpline.adapters.telephony.sip import g711
from helpline.adapters.telephony.sip.conference import Conference
from helpline.adapters.telephony.sip.dtmf import DtmfEvent
from helpline.adapters.telephony.sip.ivr import IvrSession
from helpline.adapters.telephony.sip.leg import Leg, LegState
from helpline.adapters.telephony.sip.recording import CallRecorder, Track
from helpline.adapters.telephony.sip.rtp import RtpSession
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket


class CallPhase(StrEnum):
    DIALING = "dialing"  # outbound: the agent's phone, then the far end, are being rung
    IVR = "ivr"
    QUEUED = "queued"  # handed to the ACD; music on hold until an agent is bridged
    BRIDGED = "bridged"
    HELD = "held"
    SURVEY = "survey"  # the agent hung up; the caller rates the call
    ENDED = "ended"


@dataclass
class Consult:
    """The consulted party of a call: an agent's phone or a number through the trunk."""

    consult_id: str  # the ACD's id of the consult call
    agent_id: str  # the consulting agent (the caller waits on hold meanwhile)
    target: str  # the consulted agent's id, or "number:<n>"
    number: str | None = None
    leg: Leg | None = None
    connected: bool = False  # the consulted party answered: the two agents talk


def number_party(number: str) -> str:
    """The party key of an outside number on a call (agents are keyed by their id)."""
    return f"number:{number}"


class Relay:
    """Forwards the RTP one leg receives to another leg's session."""

    def __init__(
        self, source: Leg, target: RtpSession, counts: dict[str, int], key: str, pair: str | None = None
    ) -> None:
        self.source = source
        self.target = target
        self.counts = counts  # packets relayed, by direction and by "listener<speaker", for the call
        self.key = key
        self.pair = pair
        self._events: dict[int, int] = {}  # incoming event timestamp -> outgoing timestamp

    def _count(self) -> None:
        self.counts[self.key] += 1
        if self.pair is not None:
            self.counts[self.pair] = self.counts.get(self.pair, 0) + 1

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
                self._count()
        elif packet.pt == plan.pt and packet.payload:
            target.send_payload(g711.transcode(packet.payload, plan.codec, target.codec), len(packet.payload))
            self._count()


class SwitchCall:
    def __init__(
        self, tenant_id: str, call_id: str, caller_leg: Leg, *, caller: str, callee: str, source: str
    ) -> None:
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
        self.relayed = {"to_agent": 0, "to_caller": 0, "consult": 0}
        self.supervisor_legs: dict[str, Leg] = {}
        self.supervisor_modes: dict[str, str] = {}
        self.conference: Conference | None = None
        self.heard: Counter[str] = Counter()  # what the conferences mixed, "listener<speaker"
        self.recorder: CallRecorder | None = None
        self.recordings: list[Path] = []
        self.recording_seconds = 0.0
        self.consult: Consult | None = None
        self.members: list[str] = []  # the agents (and numbers) of a three-way conference
        self.outbound = False  # an agent dialled out: the "caller" is the far end
        # an internal call placed at the desktop: the calling agent, whose phone is the "caller" leg
        self.internal_from: str | None = None
        self.deferred_rings: list[str] = []  # offers of an internal call, rung once that phone is up
        self.detached = False  # the ACD is done with the call (sent out to a number): see it to its end
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
            "barge",
            "intercept",
        ):
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
        """Rebuild the media paths from who is on the call now: nothing to the caller while on
        hold (but the consulting agent and the consulted party, once it answered, talk); a relay
        between caller and agent; or a conference as soon as a supervisor or a second agent
        (three-way) is on."""
        self._stop_conference()
        self.disconnect()
        if self.phase is CallPhase.ENDED:
            return
        if self.phase is CallPhase.HELD:
            self._consult_paths()
            return
        parties = self._parties()
        supervisors = {s: leg for s, leg in self.supervisor_legs.items() if leg.state is LegState.CONFIRMED}
        if supervisors or len(parties) > 1:
            self.stop_media()
            conference = Conference()
            conference.add("caller", "caller", self.caller_leg)
            for party, leg in parties:
                conference.add(party, "agent", leg)
            for supervisor_id, leg in supervisors.items():
                conference.add(supervisor_id, "supervisor", leg, self.supervisor_modes.get(supervisor_id))
            for key in conference.participants:
                conference.tap(key)
            conference.start()
            self.conference = conference
        elif parties:
            [(party, agent_leg)] = parties
            to_agent = Relay(self.caller_leg, agent_leg.rtp, self.relayed, "to_agent", f"{party}<caller")
            to_caller = Relay(agent_leg, self.caller_leg.rtp, self.relayed, "to_caller", f"caller<{party}")
            self.relays = {"to_agent": to_agent, "to_caller": to_caller}
            self.wire(self.caller_leg, to_agent)
            self.wire(agent_leg, to_caller)

    def _parties(self) -> list[tuple[str, Leg]]:
        """The answered agent legs the caller talks to: the bridged agent, or the members of a
        three-way conference."""
        keys = list(self.members) or ([self.bridged] if self.bridged else [])
        legs = [(key, self.agent_legs.get(key)) for key in keys]
        return [(key, leg) for key, leg in legs if leg is not None and leg.state is LegState.CONFIRMED]

    def _consult_paths(self) -> None:
        consult = self.consult
        agent_leg = self.agent_legs.get(consult.agent_id) if consult else None
        if (
            consult is None
            or not consult.connected
            or consult.leg is None
            or agent_leg is None
            or consult.leg.state is not LegState.CONFIRMED
            or agent_leg.state is not LegState.CONFIRMED
        ):
            return
        target = consult.target
        to_target = Relay(agent_leg, consult.leg.rtp, self.relayed, "consult", f"{target}<{consult.agent_id}")
        to_agent = Relay(consult.leg, agent_leg.rtp, self.relayed, "consult", f"{consult.agent_id}<{target}")
        self.relays = {"to_consulted": to_target, "to_consulting": to_agent}
        self.wire(agent_leg, to_target)
        self.wire(consult.leg, to_agent)

    def _stop_conference(self) -> None:
        if self.conference is not None:
            self.conference.stop()
            self.heard.update(self.conference.heard)
            self.conference = None

    def disconnect(self) -> None:
        """Nothing flows between the legs (hold, or someone left); recording goes on."""
        self.wire(self.caller_leg, None)
        consult_leg = [self.consult.leg] if self.consult and self.consult.leg else []
        for leg in [*self.agent_legs.values(), *self.supervisor_legs.values(), *consult_leg]:
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
