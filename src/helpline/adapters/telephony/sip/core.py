"""What every part of the back-to-back user agent shares: the calls it holds, the services
it works with (user agent, registrar, media ports, dialer, the ACD's listener), finding a
call, placing a leg to a party, and ending a call.

:class:`~helpline.adapters.telephony.sip.b2bua.B2bua` is built of parts, one concern a file
(the caller alone, desk answer, transfers, agents' own calls, supervision); each part is a
:class:`B2buaCore`, so it reaches the shared state by inheritance and names no other part.
The core is what the legs report to (:class:`LegEvents`); the B2bua implements the reports.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from helpline.adapters.telephony.sip.calls import CallPhase, SwitchCall
from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.dialog import Dialog, new_tag
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.ivr import IvrFlow
from helpline.adapters.telephony.sip.leg import Leg, LegEvents, LegState
from helpline.adapters.telephony.sip.listener import SwitchListener
from helpline.adapters.telephony.sip.outbound import Dialer
from helpline.adapters.telephony.sip.recording import recording_path
from helpline.adapters.telephony.sip.registrar import Registrar
from helpline.adapters.telephony.sip.rtp import PortPool
from helpline.adapters.telephony.sip.summary import CallSummary
from helpline.adapters.telephony.sip.transaction import InviteServerTransaction
from helpline.adapters.telephony.sip.ua import UserAgent

log = structlog.get_logger("helpline.sip.b2bua")
ExtensionOf = Callable[[str, str], str | None]


class B2buaCore(LegEvents):
    def __init__(
        self,
        config: SipConfig,
        ua: UserAgent,
        registrar: Registrar,
        pool: PortPool,
        listener: SwitchListener,
        extension_of: ExtensionOf,
        ivr: IvrFlow,
        hold_music: Pcm,
    ) -> None:
        self.config = config
        self.ua = ua
        self.registrar = registrar
        self.pool = pool
        self.listener = listener
        self.extension_of = extension_of
        self.ivr = ivr
        self.hold_music = hold_music
        self.dialer = Dialer(config, ua, registrar, pool)
        # (tenant, agent) -> an outside number the agent is reached at instead of a phone
        self.forward_of: ExtensionOf = lambda tenant_id, agent_id: None
        # (tenant, agent) -> a headset agent: their phone is asked to pick up by itself
        self.auto_answer_of: Callable[[str, str], bool] = lambda tenant_id, agent_id: False
        self.survey_flow: IvrFlow | None = None  # what the caller hears after the agent hangs up
        self.calls: dict[str, SwitchCall] = {}
        self.aliases: dict[str, str] = {}  # the ACD's consult call id -> the customer's call
        self.phone_dials: dict[str, Leg] = {}  # calls agents' phones placed, until the ACD books them
        self.history: deque[CallSummary] = deque(maxlen=100)
        # told of every finished call (the platform links the recording to the call record)
        self.on_ended: Callable[[CallSummary], Coroutine[Any, Any, None]] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        ua.on_leg_released = lambda leg: pool.release(leg.rtp)

    @abstractmethod
    async def ring_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        """The Telephony port's ring (the B2bua's): a part that rings an agent later calls it."""

    def _notify(self, coro: Coroutine[Any, Any, None]) -> None:
        """Tell the listener without making the SIP path wait for (or fail with) the ACD."""
        self.spawn(coro, "listener_failed")

    def spawn(self, coro: Coroutine[Any, Any, None], failure: str) -> None:
        """Run ``coro`` in the background; a failure is logged as ``failure``."""

        async def run() -> None:
            try:
                await coro
            except Exception:
                log.exception(failure)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- finding a call -----------------------------------------------------------------------

    async def _inbound_leg(self, txn: InviteServerTransaction) -> Leg | None:
        """The leg of an admitted INVITE, with its media port and dialog; None when it was
        refused (503 without a free media port, 488 for an offer it cannot serve)."""
        request = txn.request
        try:
            rtp = await self.pool.open(self.config.host)
        except RuntimeError:
            txn.respond(self.ua.response(request, 503, "No media ports", headers=[("Retry-After", "5")]))
            return None
        leg = Leg(self.ua, self, rtp, request, txn.peer, inbound=True)
        leg.server_txn = txn
        leg.dialog = Dialog.as_uas(request, new_tag(), txn.peer, self.ua.contact(txn.peer.transport))
        self.ua.inbound_invites[txn.key] = leg
        if request.body and not leg.apply_remote_sdp(request.body):
            leg.reject(488)
            return None
        self.ua.register_leg(leg)
        return leg

    def _call(self, tenant_id: str, call_id: str, command: str) -> SwitchCall | None:
        """The call named by ``call_id`` (or by the id of its consult)."""
        call = self.calls.get(self.aliases.get(call_id, call_id))
        if call is None or call.tenant_id != tenant_id or call.phase is CallPhase.ENDED:
            log.info("no_such_call", command=command, call_id=call_id)
            return None
        return call

    def _call_of(self, leg: Leg) -> SwitchCall | None:
        return self.calls.get(leg.call_id or "")

    def _placed(self, leg: Leg) -> tuple[SwitchCall, str] | None:
        """The call and party of an agent or supervisor leg still on its call."""
        call, party = self._call_of(leg), leg.agent_id
        if call is None or party is None:
            return None
        if leg.role == "consult":
            return (call, party) if call.consult is not None and call.consult.leg is leg else None
        legs = call.supervisor_legs if leg.role == "supervisor" else call.agent_legs
        return (call, party) if legs.get(party) is leg else None

    # -- placing legs -------------------------------------------------------------------------

    async def reach(
        self,
        tenant_id: str,
        *,
        call_id: str,
        caller: str,
        party_id: str,
        role: str,
        auto_answer: bool = False,
    ) -> Leg | str:
        """A leg (not yet started) to an agent or supervisor: their registered phone, or the
        outside number they are reached at (through the trunk); or why there is none. An
        agent with auto-answer on is always asked to pick up by itself (a headset)."""
        if role in ("agent", "consult") and self.auto_answer_of(tenant_id, party_id):
            auto_answer = True
        number = self.forward_of(tenant_id, party_id)
        if number:
            return await self.dialer.trunk(self, call_id=call_id, number=number, party_id=party_id, role=role)
        return await self.dialer.place(
            self,
            call_id=call_id,
            caller=caller,
            party_id=party_id,
            extension=self.extension_of(tenant_id, party_id),
            role=role,
            auto_answer=auto_answer,
        )

    def _start(self, call: SwitchCall, party_id: str, leg: Leg) -> None:
        call.placed.append((party_id, leg))
        leg.start()
        self.ua.scheduler.call_later(self.config.ring_timeout, lambda: self._ring_timeout(leg))

    def _start_far(self, far: Leg) -> None:
        """The far end of a dial-out is being called: the same cap on ringing as a phone."""
        self.ua.scheduler.call_later(self.config.ring_timeout, lambda: self._ring_timeout(far))

    def _ring_timeout(self, leg: Leg) -> None:
        if leg.state in (LegState.CALLING, LegState.EARLY):
            leg.hangup("timeout")
            self.leg_failed(leg, 408)

    # -- a call's life ------------------------------------------------------------------------

    def record_call(self, call: SwitchCall) -> None:
        if self.config.recording_dir:
            call.record(recording_path(self.config.recording_dir, call.tenant_id, call.call_id))
            if call.recorder is not None:  # both directions apart too, where the tenant asks
                call.recorder.split(
                    self.config.split_recording_by_tenant.get(call.tenant_id, self.config.split_recording)
                )

    async def _end(self, call: SwitchCall) -> None:
        if self.calls.pop(call.call_id, None) is None:
            return
        call.phase = CallPhase.ENDED
        if call.consult is not None:
            self.aliases.pop(call.consult.consult_id, None)
        for _, leg in call.placed:
            leg.hangup("call_ended")
        call.caller_leg.hangup("call_ended")
        await call.close()
        self.history.append(CallSummary.of(call))
        if self.on_ended is not None:
            self.spawn(self.on_ended(self.history[-1]), "call_ended_hook_failed")

    async def close(self) -> None:
        for call in list(self.calls.values()):
            await self._end(call)
        for task in list(self._tasks):
            task.cancel()
