"""The back-to-back user agent: owns every leg of every call and carries out the ACD's
telephony commands on them (ring an agent phone, bridge, hold with music, retrieve, hang up).

It is built of parts, each a :class:`~helpline.adapters.telephony.sip.core.B2buaCore` (the
calls and services they share): the caller alone (``caller.py``), transfers
(``transfers.py``), the calls agents place (``dialout.py``), answering at the desktop
(``answering.py``) and supervision (``supervision.py``). This class admits inbound callers
and implements :class:`~helpline.adapters.telephony.sip.leg.LegEvents`, turning what the
legs report into call changes, handed to the part concerned, and into notifications for the
:class:`SwitchListener`. No method of the Telephony port raises: a command for a call the
switch no longer has is logged and ignored, and a phone that cannot be rung is reported with
``agent_failed``.
"""

from __future__ import annotations

import secrets

import structlog

from helpline.adapters.telephony.sip import early
from helpline.adapters.telephony.sip.answering import DeskAnswer
from helpline.adapters.telephony.sip.caller import CallerServices
from helpline.adapters.telephony.sip.calls import CallPhase, SwitchCall
from helpline.adapters.telephony.sip.dialout import AgentCalls
from helpline.adapters.telephony.sip.ivr import IvrFlow, IvrSession
from helpline.adapters.telephony.sip.leg import Leg, LegState
from helpline.adapters.telephony.sip.listener import InboundCall
from helpline.adapters.telephony.sip.media import play
from helpline.adapters.telephony.sip.supervision import Supervision
from helpline.adapters.telephony.sip.transaction import InviteServerTransaction
from helpline.adapters.telephony.sip.transfers import CallTransfers
from helpline.adapters.telephony.sip.uri import NameAddr

log = structlog.get_logger("helpline.sip.b2bua")
FAILURES = {
    486: "busy",
    600: "busy",
    603: "declined",
    408: "timeout",
    480: "unavailable",
    404: "not_found",
    487: "cancelled",
    488: "media_refused",
}


class B2bua(CallerServices, CallTransfers, AgentCalls, DeskAnswer, Supervision):
    # -- inbound calls ------------------------------------------------------------------------

    async def accept(self, txn: InviteServerTransaction, tenant_id: str, number: str) -> None:
        """Answer an admitted INVITE to an inbound number; the IVR starts on the ACK."""
        request = txn.request
        leg = await self._inbound_leg(txn)
        if leg is None or leg.dialog is None:
            return
        call_id = "sip-" + secrets.token_hex(8)
        call = SwitchCall(
            tenant_id,
            call_id,
            leg,
            caller=_user(request.from_) or "anonymous",
            callee=number,
            source=str(txn.peer),
        )
        leg.call_id = call_id
        self.calls[call_id] = call
        self.record_call(call)
        # 200 OK now, or 183 with ringback or the IVR first
        early.answer_caller(call, self.config, self.ivr, self._start_ivr)

    def _start_ivr(self, call: SwitchCall, flow: IvrFlow | None = None) -> None:
        session = IvrSession(
            call.caller_leg.rtp,
            caller=call.caller,
            callee=call.callee,
            tenant_id=call.tenant_id,
            call_id=call.call_id,
        )
        call.ivr = session
        call.caller_leg.rtp.on_dtmf = lambda digit: self.leg_dtmf(call.caller_leg, digit)

        async def run() -> None:
            digits = await (flow or self.ivr)(session)
            call.ivr = None
            if call.phase is not CallPhase.IVR:
                return
            call.digits = digits
            arrived = InboundCall(
                call.tenant_id,
                call.call_id,
                call.caller,
                call.callee,
                digits,
                call.source,
                dict(session.route),
            )
            number = session.route.get("number")
            # the IVR sends the caller out through the trunk; the ACD only records the call
            # (a number that cannot be called: the ACD's end of the call hangs it up)
            if (
                session.route.get("action") == "transfer"
                and isinstance(number, str)
                and await self.transfer_out(call.tenant_id, call.call_id, number)
            ):
                self._notify(self.listener.call_arrived(arrived))
                return
            call.phase = CallPhase.QUEUED
            call.handed_over = True
            call.play(play(call.caller_leg.rtp, self.hold_music, loop=True))
            self._notify(self.listener.call_arrived(arrived))

        call.spawn(run())

    # -- the Telephony port -------------------------------------------------------------------

    async def ring_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        call = self._call(tenant_id, call_id, "ring_agent")
        if call is None:
            return
        if call_id in self.aliases:  # the ACD offers a consult call to the colleague
            await self.ring_consulted(call, agent_id)
            return
        existing = call.agent_legs.get(agent_id)
        if existing is not None and existing.live:
            return
        if call.internal_from is not None and call.caller_leg.state in (LegState.CALLING, LegState.EARLY):
            call.deferred_rings.append(agent_id)  # the calling agent's own phone picks up first
            return
        leg = await self.reach(
            tenant_id,
            call_id=call_id,
            caller=call.caller,
            party_id=agent_id,
            role="agent",
            auto_answer=call.pending_bridge == agent_id,
        )
        if isinstance(leg, str):
            self._notify(self.listener.agent_failed(tenant_id, call_id, agent_id, leg))
            return
        if call.phase is CallPhase.ENDED:
            self.pool.release(leg.rtp)
            return
        call.agent_legs[agent_id] = leg
        self._start(call, agent_id, leg)

    async def cancel_ring(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        """Stop ringing (or drop the answered but unbridged leg of) one agent."""
        call = self._call(tenant_id, call_id, "cancel_ring")
        if call_id in self.aliases and call is not None:
            self.cancel_consult_ring(call, agent_id)
            return
        if call is None or call.bridged == agent_id:
            return
        if agent_id in call.deferred_rings:
            call.deferred_rings.remove(agent_id)
        leg = call.agent_legs.pop(agent_id, None)
        if leg is not None and leg.live:
            leg.hangup("withdrawn")

    async def bridge(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        call = self._call(tenant_id, call_id, "bridge")
        if call is None:
            return
        if call_id in self.aliases:  # the consulted party answered
            self.connect_consult(call)
            return
        leg = call.agent_legs.get(agent_id)
        if leg is None and agent_id in call.deferred_rings:  # answered at the desktop before it rang
            call.pending_bridge = agent_id  # rung with auto-answer, bridged when it picks up
            return
        if leg is None or not leg.live:
            log.info("bridge_without_agent_leg", call_id=call_id, agent_id=agent_id)
            return
        for other, other_leg in call.live_agent_legs():
            if other != agent_id and other not in call.members:
                call.agent_legs.pop(other, None)
                other_leg.hangup("answered_elsewhere")
        if leg.state is LegState.CONFIRMED:
            call.connect(agent_id)
        else:
            call.pending_bridge = agent_id  # answered at the desktop: bridge when the phone does
            self.answer_at_phone(call, agent_id, leg)  # ... and make the phone go off-hook

    async def hold(self, tenant_id: str, call_id: str) -> None:
        call = self._call(tenant_id, call_id, "hold")
        if call is None:
            return
        call.phase = CallPhase.HELD
        call.refresh()
        call.play(play(call.caller_leg.rtp, self.hold_music, loop=True))

    async def retrieve(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        call = self._call(tenant_id, call_id, "retrieve")
        if call is None:
            return
        call.stop_media()
        await self.bridge(tenant_id, call_id, agent_id)

    async def hangup(self, tenant_id: str, call_id: str) -> None:
        if self.drop_phone_dial(call_id):
            return
        call = self._call(tenant_id, call_id, "hangup")
        if call is not None and call_id in self.aliases:  # the consult call only
            if call.consult is not None and call.consult.consult_id == call_id:
                self._drop_consult(call, "call_ended")
        elif call is not None:
            await self._end(call)

    # -- what the legs report -----------------------------------------------------------------

    def leg_ringing(self, leg: Leg) -> None:
        log.info("phone_ringing", call_id=leg.call_id, party=leg.agent_id, role=leg.role)

    def leg_answered(self, leg: Leg) -> None:
        call = self._call_of(leg)
        if call is not None and leg is call.caller_leg and call.internal_from is not None:
            self.internal_caller_answered(call)  # the calling agent's own phone (内呼)
            return
        if call is not None and leg is call.caller_leg:  # the far end of a dial-out
            self.far_end_answered(call)
            return
        placed = self._placed(leg)
        if placed is None:
            leg.hangup("call_gone")
            return
        call, party = placed
        if leg.role == "supervisor":
            call.refresh()
            return
        if leg.role == "consult":
            self.consult_leg_answered(call, leg)
            return
        if call.phase is CallPhase.DIALING:  # the agent's own phone: now the far end
            self.dial_agent_answered(call, leg)
            return
        if call.bridged is not None and call.bridged != party:
            call.agent_legs.pop(party, None)
            leg.hangup("answered_elsewhere")
            return
        call.wire(leg, None)
        if call.pending_bridge == party:
            call.connect(party)
        if not call.detached:
            self._notify(self.listener.agent_answered(call.tenant_id, call.call_id, party))

    def leg_confirmed(self, leg: Leg) -> None:
        call = self._call_of(leg)
        if call is not None and leg is call.caller_leg and call.phase is CallPhase.IVR:
            self._start_ivr(call)
            return
        placed = self._placed(leg)  # a phone that placed a dial-out, answered with the far end
        if placed is not None and placed[0].pending_bridge == placed[1]:
            placed[0].connect(placed[1])

    def leg_failed(self, leg: Leg, status: int) -> None:
        reason = FAILURES.get(status, f"failed_{status}")
        call = self._call_of(leg)
        if call is not None and leg is call.caller_leg and call.outbound:  # the far end of a dial-out
            self.far_end_gone(call, reason)
            self.spawn(self._end(call), "call_end_failed")
            return
        placed = self._placed(leg)
        if placed is None:
            return
        call, party = placed
        if leg.role == "consult":
            self.consult_leg_gone(call, leg, reason)
            return
        if call.detached or call.phase is CallPhase.DIALING:  # the number, or the agent's own phone
            if call.phase is CallPhase.DIALING:
                self.far_end_gone(call, reason)
            self.spawn(self._end(call), "call_end_failed")
            return
        if leg.role == "supervisor":
            del call.supervisor_legs[party]
            call.supervisor_modes.pop(party, None)
            self._notify(self.listener.supervisor_left(call.tenant_id, call.call_id, party, reason))
            return
        del call.agent_legs[party]
        if call.pending_bridge == party:
            call.pending_bridge = None
        self._notify(self.listener.agent_failed(call.tenant_id, call.call_id, party, reason))

    def leg_ended(self, leg: Leg, cause: str) -> None:
        call = self._call_of(leg)
        if call is not None and leg is call.caller_leg:
            handed_over = call.handed_over
            self.spawn(self._end(call), "call_end_failed")
            if handed_over and call.internal_from is not None:  # the calling agent hung up (内呼)
                self._notify(self.listener.agent_hung_up(call.tenant_id, call.call_id, call.internal_from))
            elif handed_over:
                self._notify(self.listener.caller_hung_up(call.tenant_id, call.call_id))
            return
        placed = self._placed(leg)
        if placed is None:
            return
        call, party = placed
        if leg.role == "consult":
            self.consult_leg_gone(call, leg, None)
            return
        if call.detached:  # the number the caller was sent to hung up
            self.spawn(self._end(call), "call_end_failed")
            return
        if leg.role == "supervisor":
            del call.supervisor_legs[party]
            call.supervisor_modes.pop(party, None)
            call.refresh()
            self._notify(self.listener.supervisor_left(call.tenant_id, call.call_id, party, "hung_up"))
            return
        del call.agent_legs[party]
        if party in call.members:  # one of a three-way leaves; the others go on
            call.members.remove(party)
            if call.bridged == party:
                call.bridged = call.last_bridged = call.members[0] if call.members else None
            if len(call.members) < 2:
                call.members = []
            call.refresh()
        elif call.bridged == party:
            call.bridged = None
            call.phase = CallPhase.QUEUED
            call.refresh()
        self._notify(self.listener.agent_hung_up(call.tenant_id, call.call_id, party))

    def leg_dtmf(self, leg: Leg, digit: str) -> None:
        call = self._call_of(leg)
        if call is None or leg is not call.caller_leg:
            return
        if call.ivr is not None:
            call.ivr.dtmf(digit)
        elif call.handed_over:
            self._notify(self.listener.digit(call.tenant_id, call.call_id, digit))


def _user(address: NameAddr) -> str:
    try:
        return address.sip_uri.user or ""
    except ValueError:
        return address.uri.partition(":")[2].partition(";")[0]
