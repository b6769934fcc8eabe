"""Call control beyond one caller and one agent: consult (attended transfer) with its
complete, cancel and three-way outcomes; sending a caller out to a number through the trunk
(blind transfer, the IVR's transfer node); agent dial-out; and an internal call (内呼) placed
at the desktop.

A mixin of :class:`~helpline.adapters.telephony.sip.b2bua.B2bua`, kept apart so each file
holds one concern. The consult is the ACD's own call (``consult_id``), but the switch keeps
it inside the customer's :class:`SwitchCall` (``aliases`` maps the consult id to it): the
consulted party's leg is the call's :class:`Consult` until it is completed (the leg becomes
the call's agent), conferenced (a member of the mix) or cancelled (hung up).
"""

from __future__ import annotations

import secrets
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, cast

import structlog

from helpline.adapters.telephony.sip import early
from helpline.adapters.telephony.sip.calls import CallPhase, Consult, SwitchCall, number_party
from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.dialog import Dialog, new_tag
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.leg import Leg, LegEvents, LegState
from helpline.adapters.telephony.sip.listener import SwitchListener
from helpline.adapters.telephony.sip.media import play
from helpline.adapters.telephony.sip.outbound import Dialer
from helpline.adapters.telephony.sip.registrar import Registrar
from helpline.adapters.telephony.sip.rtp import PortPool
from helpline.adapters.telephony.sip.transaction import InviteServerTransaction
from helpline.adapters.telephony.sip.ua import UserAgent

if TYPE_CHECKING:
    from collections.abc import Callable

log = structlog.get_logger("helpline.sip.transfers")


class CallTransfers:
    if TYPE_CHECKING:  # provided by B2bua
        config: SipConfig
        calls: dict[str, SwitchCall]
        aliases: dict[str, str]
        phone_dials: dict[str, Leg]
        ua: UserAgent
        dialer: Dialer
        registrar: Registrar
        pool: PortPool
        listener: SwitchListener
        hold_music: Pcm
        extension_of: Callable[[str, str], str | None]

        def _call(self, tenant_id: str, call_id: str, command: str) -> SwitchCall | None: ...

        async def _end(self, call: SwitchCall) -> None: ...

        def _start(self, call: SwitchCall, party_id: str, leg: Leg) -> None: ...

        def _notify(self, coro: Coroutine[Any, Any, None]) -> None: ...

        def record_call(self, call: SwitchCall) -> None: ...

        def _start_far(self, far: Leg) -> None: ...

        def spawn(self, coro: Coroutine[Any, Any, None], failure: str) -> None: ...

        async def ring_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None: ...

        async def reach(
            self,
            tenant_id: str,
            *,
            call_id: str,
            caller: str,
            party_id: str,
            role: str,
            auto_answer: bool = False,
        ) -> Leg | str: ...

    @property
    def _legs(self) -> LegEvents:
        """What the legs report to: the B2bua this is a part of."""
        return cast("LegEvents", self)

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
            self._legs, call_id=consult_id, number=number, party_id=target, role="consult"
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
        leg = await self.dialer.trunk(
            self._legs, call_id=call_id, number=number, party_id=party, role="agent"
        )
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

    # -- dial-out -----------------------------------------------------------------------------

    async def accept_dial(
        self, txn: InviteServerTransaction, tenant_id: str, agent_id: str, number: str
    ) -> None:
        """An agent's own phone calls ``number`` (authenticated by the switch): it hears
        ringing while the ACD books the call (``agent_dialed``) and :meth:`dial` calls the far
        end; the phone is answered when the far end answers."""
        request = txn.request
        try:
            rtp = await self.pool.open(self.config.host)
        except RuntimeError:
            txn.respond(self.ua.response(request, 503, "No media ports", headers=[("Retry-After", "5")]))
            return
        leg = Leg(self.ua, self._legs, rtp, request, txn.peer, inbound=True)
        leg.server_txn = txn
        leg.dialog = Dialog.as_uas(request, new_tag(), txn.peer, self.ua.contact(txn.peer.transport))
        self.ua.inbound_invites[txn.key] = leg
        if request.body and not leg.apply_remote_sdp(request.body):
            leg.reject(488)
            return
        self.ua.register_leg(leg)
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
                    self._legs,
                    call_id=call_id,
                    caller=own or agent_id,
                    party_id="far",
                    extension=number,
                    role="caller",
                )
            else:
                far = await self.dialer.trunk(
                    self._legs, call_id=call_id, number=number, party_id="far", role="caller"
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
