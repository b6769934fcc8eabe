"""What the switch does with a caller alone: announcements while waiting in the queue, and
taking the call over after the agent has gone (the satisfaction survey, voicemail or a
callback confirmation when the queue gives up on the call).

A part of :class:`~helpline.adapters.telephony.sip.b2bua.B2bua` (see ``core.py``).
"""

from __future__ import annotations

import structlog

from helpline.adapters.telephony.sip.calls import CallPhase
from helpline.adapters.telephony.sip.core import B2buaCore
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.ivr import IvrFlow, IvrSession
from helpline.adapters.telephony.sip.leg import LegState
from helpline.adapters.telephony.sip.media import play

log = structlog.get_logger("helpline.sip.caller")


class CallerServices(B2buaCore):
    async def survey(self, tenant_id: str, call_id: str) -> None:
        """The agent ended the call: the caller stays for the satisfaction survey (NORMS §6),
        then the switch hangs up. Without a survey flow this is ``hangup``."""
        call = self._call(tenant_id, call_id, "survey")
        if call is None:
            return
        if self.survey_flow is None or call.outbound:  # the far end of a dial-out is not surveyed
            await self._end(call)
            return
        await self.take_over(tenant_id, call_id, self.survey_flow)

    async def take_over(self, tenant_id: str, call_id: str, flow: IvrFlow) -> bool:
        """Drop the agents and supervisors, run ``flow`` with the caller, then hang up.
        False (and the call is hung up) when the caller is no longer there."""
        call = self._call(tenant_id, call_id, "take_over")
        if call is None:
            return False
        caller_leg = call.caller_leg
        if caller_leg.state is not LegState.CONFIRMED:
            await self._end(call)
            return False
        call.phase = CallPhase.SURVEY
        legs = [*call.agent_legs.values(), *call.supervisor_legs.values()]
        call.agent_legs.clear()  # first, so that their BYEs are not reported as hang-ups
        call.supervisor_legs.clear()
        call.supervisor_modes.clear()
        for leg in legs:
            if leg.live:
                leg.hangup("call_ended")
        call.bridged = call.pending_bridge = None
        call.members = []
        call.refresh()
        call.stop_media()
        session = IvrSession(
            caller_leg.rtp, caller=call.caller, callee=call.callee, tenant_id=tenant_id, call_id=call_id
        )
        call.ivr = session

        async def run() -> None:
            try:
                await flow(session)
            except Exception:
                log.exception("caller_flow_failed", call_id=call_id)
            finally:
                call.ivr = None
                await self._end(call)

        call.spawn(run())
        return True

    async def announce(self, tenant_id: str, call_id: str, pcm: Pcm) -> bool:
        """Play ``pcm`` to a caller waiting in the queue, then music on hold again (position
        and expected wait, the offer of a callback). False when the caller is not waiting."""
        call = self.calls.get(call_id)
        if call is None or call.tenant_id != tenant_id or call.phase is not CallPhase.QUEUED:
            return False
        rtp, music = call.caller_leg.rtp, self.hold_music

        async def then_music() -> None:
            await play(rtp, pcm)
            await play(rtp, music, loop=True)

        call.play(then_music())
        return True

    async def release_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        """The agent left the call (blind transfer, or leaving a three-way): their phone is
        hung up and the caller hears music on hold until the ACD bridges the next agent (or
        talks on with those left in the conference)."""
        call = self._call(tenant_id, call_id, "release_agent")
        if call is None:
            return
        leg = call.agent_legs.pop(agent_id, None)  # first: its BYE is no hang-up to report
        if leg is not None and leg.live:
            leg.hangup("transferred")
        if agent_id in call.members:
            call.members.remove(agent_id)
            if call.bridged == agent_id:
                call.bridged = call.last_bridged = call.members[0] if call.members else None
            if len(call.members) < 2:
                call.members = []
            call.refresh()
            return
        if agent_id in (call.bridged, call.pending_bridge):
            call.bridged = call.pending_bridge = None
            call.phase = CallPhase.QUEUED
            call.refresh()
            call.play(play(call.caller_leg.rtp, self.hold_music, loop=True))
