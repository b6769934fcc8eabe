"""Calls an agent places: a dial-out (外拨) from their own phone or from the desktop, to a
colleague's extension or through the trunk; and an internal call (内呼) placed at the
desktop, where the agent's own phone is the call's caller leg.

A part of :class:`~helpline.adapters.telephony.sip.b2bua.B2bua` (see ``core.py``). The ACD
books the call first; the far end's answer (``far_end_answered``) lets it bridge.
"""

from __future__ import annotations

import secrets

import structlog

from helpline.adapters.telephony.sip import early
from helpline.adapters.telephony.sip.calls import CallPhase, SwitchCall
from helpline.adapters.telephony.sip.core import B2buaCore
from helpline.adapters.telephony.sip.leg import Leg, LegState
from helpline.adapters.telephony.sip.media import play
from helpline.adapters.telephony.sip.transaction import InviteServerTransaction

log = structlog.get_logger("helpline.sip.dialout")


class AgentCalls(B2buaCore):
    # -- dial-out -----------------------------------------------------------------------------

    async def accept_dial(
        self, txn: InviteServerTransaction, tenant_id: str, agent_id: str, number: str
    ) -> None:
        """An agent's own phone calls ``number`` (authenticated by the switch): it hears
        ringing while the ACD books the call (``agent_dialed``) and :meth:`dial` calls the far
        end; the phone is answered when the far end answers."""
        request = txn.request
        leg = await self._inbound_leg(txn)
        if leg is None or leg.dialog is None:
            return
        call_id = "sip-" + secrets.token_hex(8)
        leg.role, leg.agent_id, leg.call_id = "agent", agent_id, call_id
        self.phone_dials[call_id] = leg
        txn.respond(self.ua.response(request, 180, to_tag=leg.dialog.local.tag))
        self._notify(self.listener.agent_dialed(tenant_id, call_id, agent_id, number))

    def drop_phone_dial(self, call_id: str) -> bool:
        """The ACD would not book a call an agent's phone placed: refuse it."""
        leg = self.phone_dials.pop(call_id, None)
        if leg is None:
            return False
        if leg.live:
            leg.reject(403)
        return True

    async def dial(self, tenant_id: str, call_id: str, agent_id: str, number: str) -> bool:
        """Agent dial-out (外拨): unless the agent's own phone placed the call, it is rung first
        (asked to answer by itself); then ``number``: another agent's extension (an internal
        call) or, through the trunk, an outside number. The far end's answer is reported with
        ``far_end_answered``; the ACD then bridges. False (and ``far_end_failed`` told) when it
        cannot be placed."""
        if call_id in self.calls:
            return False
        own = self.extension_of(tenant_id, agent_id)
        from_phone = self.phone_dials.pop(call_id, None)
        agent_leg: Leg | str
        if from_phone is not None:
            agent_leg = from_phone if from_phone.live else "hung_up"
        else:
            agent_leg = await self.reach(
                tenant_id, call_id=call_id, caller=number, party_id=agent_id, role="agent", auto_answer=True
            )
        far: Leg | str = agent_leg
        if isinstance(agent_leg, Leg):
            if number in self.config.users and self.registrar.lookup(number):  # an internal call
                far = await self.dialer.place(
                    self,
                    call_id=call_id,
                    caller=own or agent_id,
                    party_id="far",
                    extension=number,
                    role="caller",
                )
            else:
                far = await self.dialer.trunk(
                    self, call_id=call_id, number=number, party_id="far", role="caller"
                )
            if isinstance(far, str) and from_phone is not None:
                agent_leg.reject(404 if far == "invalid_number" else 503)
            elif isinstance(far, str):
                self.pool.release(agent_leg.rtp)
        if isinstance(far, str) or isinstance(agent_leg, str):
            reason = far if isinstance(far, str) else "failed"
            log.info("dial_failed", call_id=call_id, reason=reason)
            self._notify(self.listener.far_end_failed(tenant_id, call_id, reason))
            return False
        far.agent_id = None
        call = SwitchCall(tenant_id, call_id, far, caller=own or agent_id, callee=number, source="outbound")
        call.outbound = call.handed_over = True
        call.phase = CallPhase.DIALING
        self.calls[call_id] = call
        self.record_call(call)
        call.agent_legs[agent_id] = agent_leg
        if from_phone is None:
            self._start(call, agent_id, agent_leg)
        else:  # the phone is on the line already, waiting for the far end
            call.placed.append((agent_id, agent_leg))
            self.dial_agent_answered(call, agent_leg)
        return True

    def dial_agent_answered(self, call: SwitchCall, leg: Leg) -> None:
        """The agent's own phone is on the line: now call the far end. A phone the switch
        rang (and that answered) hears ringback until the far end answers; one that placed
        the call rings back by itself (it got a 180)."""
        call.wire(leg, None)
        far = call.caller_leg
        far.start()
        self._start_far(far)
        if not leg.inbound:
            tone = early.ringback(early.ringback_kind(self.config, call.tenant_id))
            call.play(play(leg.rtp, tone, loop=True))  # stopped when the ACD bridges

    def far_end_answered(self, call: SwitchCall) -> None:
        """The far end of a dial-out answered: a phone that placed the call is answered too
        (the ACD's bridge follows; the media join once its ACK is in)."""
        for leg in call.agent_legs.values():
            if leg.inbound and leg.server_txn is not None and leg.state in (LegState.CALLING, LegState.EARLY):
                leg.answer()
        self._notify(self.listener.far_end_answered(call.tenant_id, call.call_id))

    def far_end_gone(self, call: SwitchCall, reason: str) -> None:
        """The far end of a dial-out, or the agent's phone before it, could not be reached."""
        self._notify(self.listener.far_end_failed(call.tenant_id, call.call_id, reason))
        call.handed_over = False  # the ACD hears of it once, here

    # -- internal call (内呼) placed at the desktop ---------------------------------------------

    async def internal_call(self, tenant_id: str, call_id: str, agent_id: str, callee: str) -> bool:
        """The ACD's internal call from ``agent_id`` to a colleague (``callee``: their
        extension): the agent's own phone is rung first, asked to answer by itself, and is the
        call's "caller" leg (ringback until the colleague answers); the ACD's offer then rings
        the colleague's phone (``ring_agent``) and its answer bridges the two. False (and
        ``far_end_failed`` told: the ACD ends the call) when the agent's phone cannot be rung."""
        if call_id in self.calls:
            return False
        leg = await self.reach(
            tenant_id, call_id=call_id, caller=callee, party_id=agent_id, role="agent", auto_answer=True
        )
        if isinstance(leg, str):
            log.info("internal_call_failed", call_id=call_id, reason=leg)
            self._notify(self.listener.far_end_failed(tenant_id, call_id, leg))
            return False
        leg.role, leg.agent_id = "caller", None  # the call's caller leg, not one of its agent legs
        own = self.extension_of(tenant_id, agent_id) or agent_id
        call = SwitchCall(tenant_id, call_id, leg, caller=own, callee=callee, source="internal")
        call.internal_from = agent_id
        call.outbound = call.handed_over = True  # placed by the switch; no survey at its end
        call.phase = CallPhase.QUEUED  # waits for the ACD's bridge (no IVR on the ACK)
        self.calls[call_id] = call
        self.record_call(call)
        leg.start()
        self._start_far(leg)
        return True

    def internal_caller_answered(self, call: SwitchCall) -> None:
        """The calling agent's phone picked up: it hears ringback while the colleague's phone
        (offered meanwhile by the ACD, see ``ring_agent``) is rung, until the ACD bridges."""
        leg = call.caller_leg
        call.wire(leg, None)
        tone = early.ringback(early.ringback_kind(self.config, call.tenant_id))
        call.play(play(leg.rtp, tone, loop=True))  # stopped when the ACD bridges
        rings, call.deferred_rings = call.deferred_rings, []
        for agent_id in rings:
            self.spawn(self.ring_agent(call.tenant_id, call.call_id, agent_id), "ring_failed")
