"""Answering at the desktop while the agent's desk phone rings: the switch makes the phone
go off-hook, so the agent need not also lift the handset.

A part of :class:`~helpline.adapters.telephony.sip.b2bua.B2bua` (see ``core.py``). Two ways, chosen by
``SipConfig.desk_answer`` (ADR 0003):

- ``reinvite`` (the default: any phone that honours ``Call-Info: answer-after``): CANCEL the
  ringing INVITE and ring the phone again at once with ``answer-after=0``; it picks up by
  itself and the bridge the ACD asked for (``pending_bridge``) is made on its 200 OK.
- ``notify``: an out-of-dialog ``NOTIFY`` with ``Event: talk`` (BroadSoft remote control,
  which Yealink and Polycom phones carry out when their configuration allows it). A phone
  that refuses it, or says yes but is still ringing ``notify_answer_wait`` seconds later, is
  rung again as with ``reinvite``.

``off`` leaves the phone ringing (the old behaviour: the agent lifts the handset).

Either way the switch first waits ``desk_answer_grace`` (0.5 s): a phone that is answered by
the same click (the server's WebRTC softphone picks up its own ringing line when the ACD says
the agent answered) is then left alone instead of being cancelled under its 200 OK.
"""

from __future__ import annotations

import structlog

from helpline.adapters.telephony.sip.calls import CallPhase, SwitchCall
from helpline.adapters.telephony.sip.core import B2buaCore
from helpline.adapters.telephony.sip.leg import Leg, LegState

log = structlog.get_logger("helpline.sip.answering")
DESK_ANSWER_METHODS = ("reinvite", "notify", "off")


class DeskAnswer(B2buaCore):
    def answer_at_phone(self, call: SwitchCall, agent_id: str, leg: Leg) -> None:
        """The ACD bridged ``agent_id`` (answered at the desktop) while ``leg`` still rings."""
        method = self.config.desk_answer
        if (
            method not in ("reinvite", "notify")
            or leg.auto_answer  # asked to pick up by itself already (a headset agent)
            or leg.role != "agent"
            or self.forward_of(call.tenant_id, agent_id)  # an outside number: nothing to ask
            or not _ringing(call, agent_id, leg)
        ):
            return
        # a phone that picks up by itself on the same answer (the server's own softphone, a
        # CTI-driven phone) is given a moment first: no CANCEL races its 200 OK
        self.ua.scheduler.call_later(
            self.config.desk_answer_grace, lambda: self._desk_answer(call, agent_id, leg, method)
        )

    def _desk_answer(self, call: SwitchCall, agent_id: str, leg: Leg, method: str) -> None:
        if not _ringing(call, agent_id, leg):  # it answered meanwhile (or is gone)
            return
        log.info("desk_answer", call_id=call.call_id, agent_id=agent_id, method=method)
        if method == "reinvite":
            self._ring_again(call, agent_id, leg)
            return

        def result(accepted: bool) -> None:
            if not accepted:
                log.info("talk_refused", call_id=call.call_id, agent_id=agent_id)
                self._ring_again(call, agent_id, leg)
                return
            self.ua.scheduler.call_later(
                self.config.notify_answer_wait, lambda: self._ring_again(call, agent_id, leg)
            )

        self.dialer.talk(leg, result)

    def _ring_again(self, call: SwitchCall, agent_id: str, leg: Leg) -> None:
        if _ringing(call, agent_id, leg):
            self.spawn(self._reinvite(call, agent_id, leg), "desk_answer_failed")

    async def _reinvite(self, call: SwitchCall, agent_id: str, leg: Leg) -> None:
        """Cancel the ringing INVITE and ring the phone again with ``answer-after=0``."""
        again = await self.reach(
            call.tenant_id,
            call_id=call.call_id,
            caller=call.caller,
            party_id=agent_id,
            role="agent",
            auto_answer=True,
        )
        if isinstance(again, str):  # unregistered meanwhile, no ports: it rings on as it was
            log.info("desk_answer_failed", call_id=call.call_id, agent_id=agent_id, reason=again)
            return
        if not _ringing(call, agent_id, leg):  # answered, gone or ended while we prepared
            self.pool.release(again.rtp)
            return
        call.agent_legs[agent_id] = again  # first: the cancelled leg no longer speaks for the agent
        if (agent_id, leg) in call.placed:
            call.placed.remove((agent_id, leg))
        leg.hangup("answered_at_desktop")
        self._start(call, agent_id, again)


def _ringing(call: SwitchCall, agent_id: str, leg: Leg) -> bool:
    """``leg`` is still the agent's ringing leg of a live call."""
    return (
        call.phase is not CallPhase.ENDED
        and call.agent_legs.get(agent_id) is leg
        and leg.state in (LegState.CALLING, LegState.EARLY)
    )
