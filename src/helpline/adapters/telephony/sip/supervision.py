"""A supervisor on a call: their phone is rung and they listen, whisper to the agent, barge
in, or intercept (take the call over from the agents); the conference mix (``calls.py``,
``conference.py``) makes each mode heard the way it should be.

A part of :class:`~helpline.adapters.telephony.sip.b2bua.B2bua` (see ``core.py``). A
supervisor leg's own ringing, answer and hang-up come back through the B2bua's leg reports.
"""

from __future__ import annotations

from helpline.adapters.telephony.sip.calls import CallPhase
from helpline.adapters.telephony.sip.core import B2buaCore
from helpline.adapters.telephony.sip.media import play
from helpline.domain.acd.supervision import SUPERVISOR_MODES


class Supervision(B2buaCore):
    async def monitor(self, tenant_id: str, call_id: str, supervisor_id: str, mode: str) -> None:
        """Ring the supervisor's phone and let them listen, whisper, barge in or take over;
        called again for a supervisor already on the call, it changes the mode."""
        call = self._call(tenant_id, call_id, "monitor")
        if call is None or mode not in SUPERVISOR_MODES or call_id in self.aliases:
            return
        call.supervisor_modes[supervisor_id] = mode
        if mode == "intercept":  # the ACD has taken the agents off the call
            for agent_id, agent_leg in call.live_agent_legs():
                call.agent_legs.pop(agent_id, None)
                agent_leg.hangup("intercepted")
            call.bridged, call.members = None, []
            call.phase = CallPhase.QUEUED
            call.refresh()
            call.play(play(call.caller_leg.rtp, self.hold_music, loop=True))
        existing = call.supervisor_legs.get(supervisor_id)
        if existing is not None and existing.live:
            call.refresh()
            return
        leg = await self.reach(
            tenant_id, call_id=call_id, caller=call.caller, party_id=supervisor_id, role="supervisor"
        )
        if isinstance(leg, str):
            call.supervisor_modes.pop(supervisor_id, None)
            self._notify(self.listener.supervisor_left(tenant_id, call_id, supervisor_id, leg))
            return
        if call.phase is CallPhase.ENDED:
            self.pool.release(leg.rtp)
            return
        call.supervisor_legs[supervisor_id] = leg
        self._start(call, supervisor_id, leg)

    async def unmonitor(self, tenant_id: str, call_id: str, supervisor_id: str) -> None:
        """The supervisor leaves (the ACD's SupervisorLeft): hang up their leg."""
        call = self._call(tenant_id, call_id, "unmonitor")
        if call is None:
            return
        call.supervisor_modes.pop(supervisor_id, None)
        leg = call.supervisor_legs.pop(supervisor_id, None)
        if leg is not None:
            leg.hangup("left")
            call.refresh()
