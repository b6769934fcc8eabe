"""A call leg: one INVITE dialog with one RTP session, inbound (we are the UAS) or outbound
(we are the UAC). The leg speaks SIP for its dialog — answering and retransmitting the 2xx
until the ACK, acknowledging 2xx answers, CANCEL, BYE, re-INVITE and INFO — and reports
what happened to its :class:`LegEvents` (the call layer) without knowing about calls.

A leg sits on the user-agent core (``ua.py``) but names only :class:`LegCore`, what it uses
of it: the core routes in-dialog requests to legs, so it is the one that imports this module.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import structlog

from helpline.adapters.telephony.sip import sdp
from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.dialog import Dialog
from helpline.adapters.telephony.sip.dtmf import dtmf_from_info
from helpline.adapters.telephony.sip.headers import Headers
from helpline.adapters.telephony.sip.message import Request, Response
from helpline.adapters.telephony.sip.rtp import RtpSession
from helpline.adapters.telephony.sip.timers import Cancellable, Scheduler, TimerConfig
from helpline.adapters.telephony.sip.transaction import (
    ClientTransaction,
    InviteClientTransaction,
    InviteServerTransaction,
    ServerTransaction,
    TransactionLayer,
)

log = structlog.get_logger("helpline.sip.leg")


class LegState(StrEnum):
    CALLING = "calling"  # outbound INVITE sent, nothing back yet
    EARLY = "early"  # provisional response received / sent
    ANSWERED = "answered"  # 2xx sent, waiting for the ACK (inbound)
    CONFIRMED = "confirmed"
    ENDED = "ended"


class LegEvents(Protocol):
    def leg_ringing(self, leg: Leg) -> None: ...

    def leg_answered(self, leg: Leg) -> None: ...

    def leg_confirmed(self, leg: Leg) -> None: ...

    def leg_failed(self, leg: Leg, status: int) -> None: ...

    def leg_ended(self, leg: Leg, cause: str) -> None: ...

    def leg_dtmf(self, leg: Leg, digit: str) -> None: ...


class LegCore(Protocol):
    """What a leg uses of the user-agent core (:class:`~.ua.UserAgent` is the one)."""

    media_host: str
    timers: TimerConfig
    scheduler: Scheduler
    layer: TransactionLayer

    def via(self, peer: Address) -> str: ...

    def response(
        self,
        request: Request,
        status: int,
        reason: str | None = None,
        *,
        to_tag: str | None = None,
        body: bytes = b"",
        content_type: str | None = None,
        contact: bool = False,
        headers: list[tuple[str, str]] | None = None,
    ) -> Response: ...

    def send(self, message: Request | Response, peer: Address) -> None: ...

    def register_leg(self, leg: Leg) -> None: ...

    def release_leg(self, leg: Leg) -> None: ...


class Leg:
    def __init__(
        self,
        ua: LegCore,
        events: LegEvents,
        rtp: RtpSession,
        invite: Request,
        peer: Address,
        *,
        inbound: bool,
    ) -> None:
        self.ua = ua
        self.events = events
        self.rtp = rtp
        self.invite = invite
        self.peer = peer
        self.inbound = inbound
        self.state = LegState.CALLING
        self.dialog: Dialog | None = None
        self.server_txn: InviteServerTransaction | None = None
        self.client_txn: ClientTransaction | None = None
        self.plan: sdp.AudioPlan | None = None
        self.agent_id: str | None = None  # the agent (or supervisor) this leg rings
        self._role = ""
        self.role = "caller" if inbound else "agent"  # or "supervisor", "consult"
        self.call_id: str | None = None  # the ACD call this leg belongs to
        self.auto_answer = False  # the INVITE asked the phone to pick up by itself
        self.end_cause: str | None = None
        self._sdp_version = 1
        self._early_sdp: bytes | None = None  # the SDP of our 183, repeated in the 200
        self._ok: Response | None = None
        self._ok_timer: Cancellable | None = None
        self._ack: Request | None = None
        self._cancel_wanted = False
        self._cancel_sent = False

    def __repr__(self) -> str:
        return f"Leg({'in' if self.inbound else 'out'}, {self.state.value}, {self.invite.call_id!r})"

    @property
    def role(self) -> str:
        return self._role

    @role.setter
    def role(self, value: str) -> None:
        self._role = value
        self.rtp.stats.role = value  # so the leg's statistics say whose they are

    @property
    def live(self) -> bool:
        return self.state is not LegState.ENDED

    def local_sdp(self, direction: str = "sendrecv") -> bytes:
        self._sdp_version += 1
        codecs = [(self.plan.pt, self.plan.codec)] if self.plan else [(0, "PCMU"), (8, "PCMA")]
        dtmf = self.plan.dtmf_pt if self.plan else 101
        return sdp.build(
            self.ua.media_host,
            self.rtp.port,
            session_id=self.rtp.ssrc,
            version=self._sdp_version,
            codecs=codecs,
            dtmf_pt=dtmf,
            direction=direction,
        )

    def apply_remote_sdp(self, body: bytes) -> bool:
        try:
            plan = sdp.negotiate(sdp.SessionDescription.parse(body))
        except sdp.SdpError:
            return False
        if plan is None:
            return False
        self.plan = plan
        self.rtp.set_remote(plan)
        return True

    # -- inbound (UAS) ------------------------------------------------------------------------

    def progress(self) -> bool:
        """183 Session Progress with our SDP answer: early media (RFC 3960, without 100rel:
        the 200 OK repeats the same SDP). False when it cannot be done (the INVITE had no
        offer, or the leg is past it): answer instead."""
        if self.server_txn is None or self.dialog is None or self.plan is None:
            return False
        if self.state not in (LegState.CALLING, LegState.EARLY):
            return False
        if self._early_sdp is None:
            self._early_sdp = self.local_sdp(sdp.answer_direction(self.plan.direction))
        self.server_txn.respond(
            self.ua.response(
                self.invite,
                183,
                to_tag=self.dialog.local.tag,
                body=self._early_sdp,
                content_type="application/sdp",
                contact=True,
            )
        )
        self.state = LegState.EARLY
        return True

    def answer(self) -> None:
        """200 OK with our SDP, retransmitted (T1 doubling to T2) until the ACK (§13.3.1.4)."""
        assert self.server_txn is not None and self.dialog is not None
        body = self._early_sdp or self.local_sdp(
            sdp.answer_direction(self.plan.direction) if self.plan else "sendrecv"
        )
        self._ok = self.ua.response(
            self.invite,
            200,
            to_tag=self.dialog.local.tag,
            body=body,
            content_type="application/sdp",
            contact=True,
        )
        self.server_txn.respond(self._ok)
        self.state = LegState.ANSWERED
        self._retransmit_ok(self.ua.timers.t1, 0.0)

    def _retransmit_ok(self, interval: float, waited: float) -> None:
        if self.state is not LegState.ANSWERED or self._ok is None:
            return
        if waited >= self.ua.timers.b:  # §13.3.1.4: no ACK in 64*T1, end the session
            self.end_cause = "no_ack"
            self.state = LegState.CONFIRMED
            self._send_bye()
            self._finish("no_ack")
            self.events.leg_ended(self, "no_ack")
            return

        def again() -> None:
            if self.state is LegState.ANSWERED and self._ok is not None:
                if not self.peer.reliable:
                    self.ua.send(self._ok, self.peer)
                self._retransmit_ok(min(interval * 2, self.ua.timers.t2), waited + interval)

        self._ok_timer = self.ua.scheduler.call_later(interval, again)

    def reject(self, status: int, reason: str | None = None) -> None:
        if self.server_txn is not None and self.state in (LegState.CALLING, LegState.EARLY):
            tag = self.dialog.local.tag if self.dialog else None
            self.server_txn.respond(self.ua.response(self.invite, status, reason, to_tag=tag))
        self._finish("rejected")

    def ack_received(self, ack: Request) -> None:
        if self.state is LegState.ANSWERED:
            if self._ok_timer is not None:
                self._ok_timer.cancel()
            self.state = LegState.CONFIRMED
            if ack.body and self.plan is None:
                self.apply_remote_sdp(ack.body)
            self.events.leg_confirmed(self)

    # -- outbound (UAC) -----------------------------------------------------------------------

    def start(self) -> None:
        self.client_txn = self.ua.layer.request(self.invite, self.peer, self._on_response, self._on_timeout)

    def _on_response(self, response: Response) -> None:
        status = response.status
        if status < 200:
            if self._cancel_wanted:
                if not self._cancel_sent:
                    self._send_cancel()  # §9.1: held back until this provisional response
                return
            if self.state is LegState.CALLING:
                self.state = LegState.EARLY
            if status in (180, 183):
                self.events.leg_ringing(self)
            return
        if status < 300:
            self._on_2xx(response)
            return
        if self.live:
            self._finish(f"status_{status}")
            self.events.leg_failed(self, status)

    def _on_2xx(self, response: Response) -> None:
        if self.dialog is not None:  # a retransmitted 2xx: the ACK got lost, send it again
            if self._ack is not None and self.dialog.matches(response, incoming=False):
                self.ua.send(self._ack, self.peer)
            return
        self.dialog = Dialog.as_uac(self.invite, response, self.peer)
        self._ack = self.dialog.request("ACK", self.ua.via(self.peer), cseq=self.invite.cseq.seq)
        self.ua.send(self._ack, self.peer)
        self.ua.register_leg(self)
        if self._cancel_wanted or not self.live:  # answered as we gave up: end it with a BYE
            self.state = LegState.CONFIRMED
            self._send_bye()
            self.state = LegState.ENDED
            self.ua.release_leg(self)  # forget the dialog once its BYE is done
            return
        self.state = LegState.CONFIRMED
        if not self.apply_remote_sdp(response.body):
            self.hangup("bad_sdp")
            self.events.leg_failed(self, 488)
            return
        self.events.leg_answered(self)

    def _on_timeout(self) -> None:
        if self.live:
            self._finish("timeout")
            self.events.leg_failed(self, 408)

    def _send_cancel(self) -> None:
        """§9.1: CANCEL with the INVITE's Via (branch), Request-URI, From, To, Call-ID, CSeq."""
        invite = self.invite
        headers = Headers()
        headers.add("Via", invite.headers.values("via")[0])
        for route in invite.headers.raw("route"):
            headers.add("Route", route)
        headers.add("Max-Forwards", "70")
        for name in ("from", "to", "call-id"):
            headers.add(name, invite.headers.get(name) or "")
        headers.add("CSeq", f"{invite.cseq.seq} CANCEL")
        cancel = Request(headers=headers, method="CANCEL", uri=invite.uri)
        self._cancel_sent = True
        self.ua.layer.request(cancel, self.peer, lambda r: None, lambda: None)
        if isinstance(self.client_txn, InviteClientTransaction):
            self.client_txn.cancel_sent()

    # -- both -------------------------------------------------------------------------------

    def hangup(self, cause: str = "hangup") -> None:
        """End the leg whatever its state: BYE, CANCEL or a final error response."""
        if self.state is LegState.ENDED:
            return
        self.end_cause = self.end_cause or cause
        if self.inbound:
            if self.state in (LegState.CALLING, LegState.EARLY):
                self.reject(487 if cause == "cancelled" else 480)
                return
            if self.state in (LegState.ANSWERED, LegState.CONFIRMED):
                self._send_bye()
        elif self.state is LegState.CALLING:
            self._cancel_wanted = True  # §9.1: CANCEL only once a provisional response came
        elif self.state is LegState.EARLY:
            self._cancel_wanted = True
            self._send_cancel()
        elif self.state is LegState.CONFIRMED:
            self._send_bye()
        self._finish(cause)

    def _send_bye(self) -> None:
        if self.dialog is not None and self.state is not LegState.ENDED:
            bye = self.dialog.request("BYE", self.ua.via(self.peer))
            self.ua.layer.request(bye, self.peer, lambda r: None, lambda: None)

    def _finish(self, cause: str) -> None:
        if self._ok_timer is not None:
            self._ok_timer.cancel()
        if self.state is not LegState.ENDED:
            self.state = LegState.ENDED
            self.end_cause = self.end_cause or cause
            self.ua.release_leg(self)

    def on_request(self, txn: ServerTransaction) -> None:
        """A request inside this leg's dialog."""
        request = txn.request
        assert self.dialog is not None
        if not self.dialog.check_remote_seq(request):
            txn.respond(self.ua.response(request, 500, "CSeq out of order"))
            return
        method = request.method
        if method == "BYE":
            txn.respond(self.ua.response(request, 200))
            if self.live:
                self._finish("remote_bye")
                self.events.leg_ended(self, "remote_bye")
        elif method == "INVITE":
            self._reinvite(txn)
        elif method == "INFO":
            txn.respond(self.ua.response(request, 200))
            digit = dtmf_from_info(request)
            if digit is not None:
                self.events.leg_dtmf(self, digit)
        elif method == "OPTIONS":
            txn.respond(self.ua.response(request, 200))
        else:
            txn.respond(self.ua.response(request, 501))

    def _reinvite(self, txn: ServerTransaction) -> None:
        """Hold, retrieve or a media change from the far end: answer with our SDP."""
        request = txn.request
        if request.body and not self.apply_remote_sdp(request.body):
            txn.respond(self.ua.response(request, 488))
            return
        direction = sdp.answer_direction(self.plan.direction) if self.plan else "sendrecv"
        assert self.dialog is not None
        body = self.local_sdp(direction)
        txn.respond(
            self.ua.response(
                request,
                200,
                to_tag=self.dialog.local.tag,
                body=body,
                content_type="application/sdp",
                contact=True,
            )
        )
