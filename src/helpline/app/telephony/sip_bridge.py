"""What the SIP switch reports, turned into ACD commands (the switch's ``SwitchListener``).

Every hook is one :meth:`CenterService.execute`: the ACD decides, and its events come back
to the switch through the Telephony port (``CenterService._switch``). The switch calls
these hooks as tasks of their own, so a hook may wait for the ACD's lock.

Some of the ACD's events the switch carries out in its own way (:meth:`AcdBridge.carry_out`, a
``CenterService.switch_hooks`` entry): a consult rings the colleague's phone (or the number)
inside the customer's call, its end completes, cancels or conferences it, a blind transfer
to a number goes out through the trunk, an agent's dial-out rings the agent's own phone
and then the number, and an internal call (内呼) from the desktop rings the agent's own phone
before the ACD's offer rings the colleague's.

A hook can lose a race with the ACD (the caller hangs up as the agent answers; an offer
times out as the phone picks up). The ACD then refuses with a ``DomainError``, and the
hook puts the switch back in step: a phone that answered a call that is no longer
ringing there is released (``cancel_ring``); a call the ACD cannot take is hung up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from helpline.app.acd.center_service import CenterService
from helpline.app.telephony.call_quality import leg_qualities, quality_row
from helpline.app.telephony.ports import (
    EndedCall,
    InboundCall,
    QualityObserver,
    SwitchControl,
    TelephonyUnits,
)
from helpline.app.telephony.recordings import keep_ended_call
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.internal_calls import INTERNAL_FROM
from helpline.domain.errors import DomainError
from helpline.domain.events import (
    AgentStateChanged,
    CallArrived,
    CallEnded,
    CallTransferred,
    ConferenceStarted,
    ConsultEnded,
    ConsultStarted,
    Event,
)
from helpline.domain.telephony.records import Recording

log = structlog.get_logger("helpline.sip_bridge")
# digits -> queue when the IVR is the built-in one-prompt menu (the demo's queues)
DEFAULT_MENU = {"1": "general", "2": "complaints", "3": "english"}
ENDED_IN_IVR = ("hangup", "voicemail", "callback", "transfer", "self_service")


QueuedHook = Callable[[str, str], Awaitable[None]]  # (tenant, call id): the call is waiting
DigitHook = Callable[[str, str, str], Awaitable[None]]  # (tenant, call id, digit)


class AcdBridge:
    def __init__(self, centers: CenterService, switch: SwitchControl, units: TelephonyUnits) -> None:
        self.centers = centers
        self.switch = switch
        self.units = units
        self.on_queued: list[QueuedHook] = []  # queue announcements start here
        self.on_digit: list[DigitHook] = []  # keys pressed while waiting (the callback offer)
        self.media_metrics: QualityObserver | None = None  # /metrics: RTP/RTCP of ended legs

    async def _run(
        self, tenant_id: str, action: Callable[[ContactCenter, float], list[Event]], what: str, **context: Any
    ) -> bool:
        try:
            await self.centers.execute(tenant_id, action)
        except DomainError as exc:
            log.info("acd_refused", what=what, code=exc.code, **context)
            return False
        return True

    # -- calls --------------------------------------------------------------------------------

    async def call_arrived(self, call: InboundCall) -> None:
        """The IVR is done: the call enters the ACD, into the queue the caller chose, or is
        recorded as ended in the IVR (voicemail, callback request, ...)."""
        route = dict(call.route) or {"queue": DEFAULT_MENU.get(call.digits, "")}
        action = str(route.get("action") or "queue")
        # "ivr" holds the caller's choices: the screen pop opens the form that fits them
        ivr = {"digits": call.digits, **(route.get("ivr") or {})}
        data: dict[str, Any] = {"ivr": ivr, "source": call.source, **(route.get("data") or {})}

        def run(center: ContactCenter, now: float) -> list[Event]:
            acd_call = Call(call.call_id, call.tenant_id, caller=call.caller, callee=call.callee, data=data)
            if action != "queue":
                by = action if action in ENDED_IN_IVR else "ivr"
                return center.arrive(acd_call, now) + center.hangup(call.call_id, now, by=by)
            queue_id = _queue_for(center, str(route.get("queue") or ""))
            center.router.queue(queue_id)  # NotFound before anything changes
            priority = route.get("priority")
            return center.arrive(acd_call, now) + center.enqueue(
                call.call_id,
                queue_id,
                now,
                priority=int(priority) if priority is not None else None,
                skills=dict(route.get("skills") or {}),
            )

        if not await self._run(call.tenant_id, run, "arrive", call_id=call.call_id, route=route):
            await self.switch.hangup(call.tenant_id, call.call_id)
            return
        if action == "queue":
            for hook in self.on_queued:
                await hook(call.tenant_id, call.call_id)

    async def agent_answered(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        def run(center: ContactCenter, now: float) -> list[Event]:
            return center.answer(call_id, agent_id, now)

        if not await self._run(tenant_id, run, "answer", call_id=call_id, agent_id=agent_id):
            await self.switch.cancel_ring(tenant_id, call_id, agent_id)

    async def agent_failed(self, tenant_id: str, call_id: str, agent_id: str, reason: str) -> None:
        """The phone could not take the call (not registered, busy, declined, no answer):
        the ACD treats it as a refused offer and moves the call on."""

        def run(center: ContactCenter, now: float) -> list[Event]:
            return center.reject(call_id, agent_id, now)

        await self._run(tenant_id, run, "reject", call_id=call_id, agent_id=agent_id, reason=reason)

    async def agent_hung_up(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        def run(center: ContactCenter, now: float) -> list[Event]:
            return center.hangup(call_id, now, by="agent", agent_id=agent_id)

        await self._run(tenant_id, run, "agent_hangup", call_id=call_id, agent_id=agent_id)

    async def caller_hung_up(self, tenant_id: str, call_id: str) -> None:
        def run(center: ContactCenter, now: float) -> list[Event]:
            return center.hangup(call_id, now, by="caller")

        await self._run(tenant_id, run, "caller_hangup", call_id=call_id)

    async def digit(self, tenant_id: str, call_id: str, digit: str) -> None:
        for hook in self.on_digit:
            await hook(tenant_id, call_id, digit)

    async def supervisor_left(self, tenant_id: str, call_id: str, supervisor_id: str, reason: str) -> None:
        """The supervisor's phone hung up (or never answered). After an intercept the
        supervisor was the caller's only party, so the call ends with them."""

        def run(center: ContactCenter, now: float) -> list[Event]:
            call = center.call(call_id)
            if (
                call.data.get("intercepted_by") == supervisor_id
                and call.agent_id is None
                and call.state in (CallState.TALKING, CallState.ON_HOLD)
            ):
                return center.hangup(call_id, now, by="supervisor")
            return center.unsupervise(call_id, supervisor_id, now)

        await self._run(
            tenant_id, run, "unsupervise", call_id=call_id, supervisor_id=supervisor_id, reason=reason
        )

    async def far_end_answered(self, tenant_id: str, call_id: str) -> None:
        """The number an agent dialled (or consults) answered: the ACD bridges the agent."""

        def run(center: ContactCenter, now: float) -> list[Event]:
            return center.far_end_answered(call_id, now)

        if not await self._run(tenant_id, run, "far_end_answered", call_id=call_id):
            await self.switch.hangup(tenant_id, call_id)

    async def agent_dialed(self, tenant_id: str, call_id: str, agent_id: str, number: str) -> None:
        """The agent's own phone calls a number: booked as the agent's dial-out (外拨), which
        the switch then carries out (``carry_out``); refused (the agent is not signed in, or
        busy), the phone's call is refused."""

        def run(center: ContactCenter, now: float) -> list[Event]:
            return center.dial(agent_id, number, call_id, now)

        if not await self._run(tenant_id, run, "dial", call_id=call_id, agent_id=agent_id):
            await self.switch.hangup(tenant_id, call_id)

    async def far_end_failed(self, tenant_id: str, call_id: str, reason: str) -> None:
        """A dial-out or an outside consult was not answered (or could not be placed)."""

        def run(center: ContactCenter, now: float) -> list[Event]:
            return center.hangup(call_id, now, by="system")

        await self._run(tenant_id, run, "far_end_failed", call_id=call_id, reason=reason)

    # -- what the switch carries out itself ----------------------------------------------------

    async def carry_out(self, event: Event) -> bool:
        """A ``CenterService.switch_hooks`` entry: True when the switch has carried ``event``
        out here (the default mapping to the Telephony port is then skipped)."""
        switch, tenant = self.switch, event.tenant_id
        if isinstance(event, ConsultStarted):
            await switch.consult(
                tenant,
                event.call_id,
                event.consult_call_id,
                event.agent_id,
                target_agent_id=event.target_agent_id,
                number=event.target_number,
            )
            return True
        if isinstance(event, ConsultEnded):
            await switch.end_consult(tenant, event.call_id, event.consult_call_id, event.outcome)
            return True
        if isinstance(event, ConferenceStarted):
            return True  # the mix started with the ConsultEnded(conferenced) before it
        if (
            isinstance(event, AgentStateChanged)
            and event.old_state == "conference"
            and event.new_state != "talking"
            and event.call_id
        ):  # one of a three-way left (hung up at the desktop): their phone goes, the others talk on
            await switch.release_agent(tenant, event.call_id, event.agent_id)
            return True
        if isinstance(event, CallTransferred) and event.to_number is not None and event.flow == "blind":
            await switch.transfer_out(tenant, event.call_id, event.to_number)
            return True
        if isinstance(event, CallEnded) and event.ended_by == "transfer":
            return switch.carries(tenant, event.call_id)  # sent out to a number: the switch ends it
        if isinstance(event, CallArrived) and event.direction == "outbound":
            # hooks run under the ACD's lock: the call can be read as it is now
            call = self.centers.center(tenant).calls.get(event.call_id)
            if (
                call is not None
                and call.state is CallState.DIALING
                and call.agent_id is not None
                and "consult_for" not in call.data
            ):
                await switch.dial(tenant, event.call_id, call.agent_id, event.callee)
            return False
        if isinstance(event, CallArrived) and event.direction == "internal":
            # 内呼 placed at the desktop: the agent's own phone first; the offer that follows
            # rings the colleague's (a call the agent's phone placed to an extension is a dial-out)
            call = self.centers.center(tenant).calls.get(event.call_id)
            caller_id = call.data.get(INTERNAL_FROM) if call is not None else None
            if caller_id:
                await switch.internal_call(tenant, event.call_id, str(caller_id), event.callee)
            return False
        return False

    # -- recordings ---------------------------------------------------------------------------

    async def call_ended(self, summary: EndedCall) -> None:
        """Link the call's recording (and its split files) to its call record; keep the
        media quality of each leg."""
        seconds = round(summary.recording_seconds, 3)
        recordings = [Recording(summary.call_id, "call", str(p), seconds) for p in summary.recordings]
        recordings += [  # stereo, or caller and agent apart
            Recording(summary.call_id, kind, str(path), seconds) for kind, path in summary.split_recordings
        ]
        legs = leg_qualities(summary.rtp)
        async with self.units(summary.tenant_id) as uow:
            await keep_ended_call(uow, summary.call_id, recordings, legs)
        if self.media_metrics is not None:
            self.media_metrics.observe(summary.tenant_id, [quality_row(leg) for leg in legs])


def _queue_for(center: ContactCenter, wanted: str) -> str:
    """The queue the IVR chose, or (no choice, or a queue that is gone) the tenant's first."""
    if wanted in center.router.queues:
        return wanted
    for fallback in ("general", *sorted(center.router.queues)):
        if fallback in center.router.queues:
            return fallback
    return wanted
