"""Moving a call on: a consult (attended transfer) with its complete, cancel and three-way
outcomes, and sending a caller out to a number through the trunk (blind transfer, the IVR's
transfer node).

A part of :class:`~helpline.adapters.telephony.sip.b2bua.B2bua` (see ``core.py``). The
consult is the ACD's own call (``consult_id``), but the switch keeps it inside the
customer's :class:`SwitchCall` (``aliases`` maps the consult id to it): the consulted
party's leg is the call's :class:`Consult` until it is completed (the leg becomes the call's
agent), conferenced (a member of the mix) or cancelled (hung up).
"""

from __future__ import annotations

import structlog

from helpline.adapters.telephony.sip.calls import CallPhase, Consult, SwitchCall, number_party
from helpline.adapters.telephony.sip.core import B2buaCore
from helpline.adapters.telephony.sip.leg import Leg
from helpline.adapters.telephony.sip.media import play

log = structlog.get_logger("helpline.sip.transfers")


class CallTransfers(B2buaCore):
    # -- consult ------------------------------------------------------------------------------

    async def consult(
        self,
        tenant_id: str,
        call_id: str,
        consult_id: str,
        agent_id: str,
        *,
        target_agent_id: str | None = None,
        number: str | None = None,
    ) -> None:
        """The agent consults a colleague (rung when the ACD offers them the consult call) or
        a number (called through the trunk now); the caller hears music meanwhile."""
        call = self._call(tenant_id, call_id, "consult")
        if call is None or (target_agent_id is None) == (number is None):
            return
        if call.consult is not None:
            self._drop_consult(call, "replaced")
        target = target_agent_id or number_party(number or "")
        consult = call.consult = Consult(consult_id, agent_id, target, number)
        self.aliases[consult_id] = call.call_id
        call.phase = CallPhase.HELD
        call.refresh()
        call.play(play(call.caller_leg.rtp, self.hold_music, loop=True))
        if number is None:
            return
        leg = await self.dialer.trunk(
            self, call_id=consult_id, number=number, party_id=target, role="consult"
        )
        if isinstance(leg, str):
            self._notify(self.listener.far_end_failed(tenant_id, consult_id, leg))
            return
        self._start_consult(call, consult, leg)

    async def ring_consulted(self, call: SwitchCall, agent_id: str) -> None:
        """The ACD offers the consult call to the colleague: ring their phone."""
        consult = call.consult
        if consult is None or consult.target != agent_id or (consult.leg is not None and consult.leg.live):
            return
        caller = self.extension_of(call.tenant_id, consult.agent_id) or consult.agent_id
        leg = await self.reach(
            call.tenant_id, call_id=consult.consult_id, caller=caller, party_id=agent_id, role="consult"
        )
        if isinstance(leg, str):
            self._notify(self.listener.agent_failed(call.tenant_id, consult.consult_id, agent_id, leg))
            return
        self._start_consult(call, consult, leg)

    def _start_consult(self, call: SwitchCall, consult: Consult, leg: Leg) -> None:
        if call.phase is CallPhase.ENDED or call.consult is not consult:
            self.pool.release(leg.rtp)
            return
        leg.call_id = call.call_id  # the leg reports to the customer's call
        consult.leg = leg
        self._start(call, consult.target, leg)

    def connect_consult(self, call: SwitchCall) -> None:
        """The consulted party answered (the ACD's CallAnswered of the consult call): the
        consulting agent and they talk, the caller still on music."""
        consult = call.consult
        if consult is None or consult.leg is None:
            return
        consult.connected = True
        call.refresh()

    def cancel_consult_ring(self, call: SwitchCall, agent_id: str) -> None:
        consult = call.consult
        if consult is not None and consult.target == agent_id and not consult.connected and consult.leg:
            consult.leg.hangup("withdrawn")
            consult.leg = None

    async def end_consult(self, tenant_id: str, call_id: str, consult_id: str, outcome: str) -> None:
        """The consult is over: ``cancelled`` (its leg is hung up; the ACD then retrieves the
        caller), ``transferred`` (the consulted party takes the caller, the first agent is
        released) or ``conferenced`` (caller, agent and consulted party hear each other)."""
        self.aliases.pop(consult_id, None)
        call = self._call(tenant_id, call_id, "end_consult")
        if call is None or call.consult is None or call.consult.consult_id != consult_id:
            return
        consult, leg = call.consult, call.consult.leg
        joined = outcome in ("transferred", "conferenced")
        if not joined or leg is None or not leg.live or not consult.connected:
            self._drop_consult(call, "consult_" + outcome)
            return
        call.consult = None
        party = consult.target
        leg.role, leg.agent_id = "agent", party
        call.agent_legs[party] = leg
        if outcome == "transferred":
            first = call.agent_legs.pop(consult.agent_id, None)  # first: its BYE is no hang-up to report
            if first is not None and first.live:
                first.hangup("transferred")
            call.members = []
            call.bridged = call.last_bridged = party
            if consult.number is not None:  # out of the ACD's hands: the switch sees it to its end
                call.detached, call.handed_over = True, False
        else:
            call.members = [consult.agent_id, party]
            call.bridged = consult.agent_id
        call.pending_bridge = None
        call.stop_media()
        call.phase = CallPhase.BRIDGED
        call.refresh()

    def _drop_consult(self, call: SwitchCall, cause: str) -> None:
        consult, call.consult = call.consult, None
        if consult is None:
            return
        self.aliases.pop(consult.consult_id, None)
        if consult.leg is not None and consult.leg.live:
            consult.leg.hangup(cause)
        call.refresh()

    def consult_leg_answered(self, call: SwitchCall, leg: Leg) -> None:
        consult = call.consult
        if consult is None or consult.leg is not leg:
            leg.hangup("call_gone")
            return
        call.wire(leg, None)
        if consult.number is not None:
            self._notify(self.listener.far_end_answered(call.tenant_id, consult.consult_id))
        else:
            self._notify(self.listener.agent_answered(call.tenant_id, consult.consult_id, consult.target))

    def consult_leg_gone(self, call: SwitchCall, leg: Leg, reason: str | None) -> None:
        """The consulted party could not be reached (``reason``) or hung up (None)."""
        consult = call.consult
        if consult is None or consult.leg is not leg:
            return
        consult.leg, consult.connected = None, False
        call.refresh()
        tenant, consult_id = call.tenant_id, consult.consult_id
        if consult.number is not None:
            if reason is None:
                self._notify(self.listener.caller_hung_up(tenant, consult_id))
            else:
                self._notify(self.listener.far_end_failed(tenant, consult_id, reason))
        elif reason is None:
            self._notify(self.listener.agent_hung_up(tenant, consult_id, consult.target))
        else:
            self._notify(self.listener.agent_failed(tenant, consult_id, consult.target, reason))

    # -- out through the trunk ------------------------------------------------------------------

    async def transfer_out(self, tenant_id: str, call_id: str, number: str) -> bool:
        """Send the caller to ``number`` through the trunk (blind transfer, the IVR's transfer
        node): the agents and supervisors leave, the caller hears music until the far end
        answers, and the switch carries the call to its end (the ACD has ended it). False when
        the number cannot be called (no trunk, an invalid number, no media ports)."""
        call = self._call(tenant_id, call_id, "transfer_out")
        if call is None:
            return False
        party = number_party(number)
        leg = await self.dialer.trunk(self, call_id=call_id, number=number, party_id=party, role="agent")
        if isinstance(leg, str):
            log.info("transfer_out_failed", call_id=call_id, reason=leg)
            return False
        if call.phase is CallPhase.ENDED:
            self.pool.release(leg.rtp)
            return False
        call.detached, call.handed_over = True, False
        if call.consult is not None:
            self._drop_consult(call, "transferred")
        legs = [*call.agent_legs.values(), *call.supervisor_legs.values()]
        call.agent_legs.clear()  # first, so that their BYEs are not reported as hang-ups
        call.supervisor_legs.clear()
        call.supervisor_modes.clear()
        for other in legs:
            if other.live:
                other.hangup("transferred")
        call.bridged, call.members = None, []
        call.phase = CallPhase.QUEUED
        call.refresh()
        call.play(play(call.caller_leg.rtp, self.hold_music, loop=True))
        call.agent_legs[party] = leg
        call.pending_bridge = party
        self._start(call, party, leg)
        return True

    def carries(self, tenant_id: str, call_id: str) -> bool:
        """Whether the switch sees the call to its end itself (sent out to a number), so the
        ACD's end of the call must not hang it up."""
        call = self.calls.get(call_id)
        return call is not None and call.tenant_id == tenant_id and call.detached
