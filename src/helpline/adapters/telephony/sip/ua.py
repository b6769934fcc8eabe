"""The user-agent core: everything between the transport and the switch's call logic.

It runs the transaction layer, answers what no one else should see (loops, Max-Forwards
exhausted, unsupported extensions, requests for dialogs that do not exist, CANCEL), routes
in-dialog requests and ACKs to their :class:`Leg`, and hands new out-of-dialog requests
to the switch. It also builds our Via, Contact and responses.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.dialog import new_branch, new_tag
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.leg import Leg, LegState
from helpline.adapters.telephony.sip.message import Request, Response, response
from helpline.adapters.telephony.sip.timers import Scheduler, TimerConfig
from helpline.adapters.telephony.sip.transaction import ServerTransaction, TransactionLayer

log = structlog.get_logger("helpline.sip.ua")
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER"
KNOWN_UNSUPPORTED = frozenset({"SUBSCRIBE", "NOTIFY", "PUBLISH", "MESSAGE", "REFER", "UPDATE", "PRACK"})
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset()

SendFn = Callable[[bytes, Address], None]
RequestFn = Callable[[ServerTransaction], None]


class UserAgent:
    def __init__(
        self,
        send: SendFn,
        scheduler: Scheduler,
        timers: TimerConfig,
        *,
        host: str,
        port: int,
        media_host: str,
        user_agent: str = "Helpline",
    ) -> None:
        self._send = send
        self.scheduler = scheduler
        self.timers = timers
        self.host = host
        self.port = port
        self.media_host = media_host
        self.user_agent = user_agent
        self.layer = TransactionLayer(send, scheduler, timers)
        self.legs: dict[tuple[str, str, str], Leg] = {}
        self.inbound_invites: dict[tuple[str, ...], Leg] = {}
        self.on_request: RequestFn = lambda txn: None
        self.on_leg_released: Callable[[Leg], None] = lambda leg: None
        self.connected: Callable[[Address], bool] = lambda address: True

    # -- building -----------------------------------------------------------------------------

    def via(self, peer: Address) -> str:
        return f"SIP/2.0/{peer.transport} {self.host}:{self.port};branch={new_branch()};rport"

    def contact(self, transport: str = "UDP") -> str:
        suffix = ";transport=tcp" if transport == "TCP" else ""
        return f"<sip:helpline@{self.host}:{self.port}{suffix}>"

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
    ) -> Response:
        if to_tag is None and status > 100:
            to_tag = new_tag()  # §8.2.6.2: a final response outside a dialog gets our tag
        answer = response(request, status, reason, to_tag=to_tag, body=body, content_type=content_type)
        if contact:
            answer.headers.add("Contact", self.contact(self._transport_of(request)))
        answer.headers.add("Server", self.user_agent)
        if status == 405 or (status == 200 and request.method in ("OPTIONS", "INVITE")):
            answer.headers.add("Allow", ALLOW)
        for name, value in headers or []:
            answer.headers.add(name, value)
        return answer

    @staticmethod
    def _transport_of(request: Request) -> str:
        return request.top_via.transport

    def send(self, message: Request | Response, peer: Address) -> None:
        self._send(message.to_bytes(), peer)

    # -- legs ---------------------------------------------------------------------------------

    def register_leg(self, leg: Leg) -> None:
        if leg.dialog is not None:
            self.legs[leg.dialog.key] = leg

    def release_leg(self, leg: Leg) -> None:
        """The leg ended: forget it once its BYE/ACK exchanges can no longer need it."""
        if leg.server_txn is not None:
            self.inbound_invites.pop(leg.server_txn.key, None)
        if leg.dialog is not None:
            key = leg.dialog.key
            # keep the dialog a little (late BYE retransmissions, ACKs), then drop it
            self.scheduler.call_later(self.timers.b, lambda: self._drop(key, leg))
        self.on_leg_released(leg)

    def _drop(self, key: tuple[str, str, str], leg: Leg) -> None:
        if self.legs.get(key) is leg:
            del self.legs[key]

    # -- receiving ----------------------------------------------------------------------------

    def receive(self, message: Request | Response, source: Address) -> None:
        if isinstance(message, Response):
            self.layer.receive_response(message)  # a stray response is dropped (§18.1.2)
            return
        request = message
        if request.method != "ACK":
            problem = self._screen(request)
            if problem is not None:
                status, reason, extra = problem
                result = self.layer.receive_request(request, source)
                if isinstance(result, ServerTransaction):
                    result.respond(self.response(request, status, reason, headers=extra))
                return
        result = self.layer.receive_request(request, source)
        if result is None:
            return
        if result == "ack":
            leg = self._leg_for(request)
            if leg is not None:
                leg.ack_received(request)
            return
        assert isinstance(result, ServerTransaction)
        txn = result
        if request.method == "CANCEL":
            self._cancel(txn)
        elif request.to.tag:
            leg = self._leg_for(request)
            if leg is None:
                txn.respond(self.response(request, 481))
            else:
                leg.on_request(txn)
        elif request.method in KNOWN_UNSUPPORTED:
            txn.respond(self.response(request, 405))
        elif request.method not in ALLOW:
            txn.respond(self.response(request, 501))
        elif request.method in ("BYE", "INFO"):
            txn.respond(self.response(request, 481))
        else:
            self.on_request(txn)

    def _screen(self, request: Request) -> tuple[int, str | None, list[tuple[str, str]]] | None:
        """Refusals that come before any transaction logic (§8.2, §16.3)."""
        max_forwards = request.headers.get("max-forwards")
        if max_forwards is not None and int(max_forwards) == 0 and request.method != "OPTIONS":
            return 483, None, []
        try:
            vias = request.vias
        except SipParseError:
            return 400, "Bad Via", []
        if any(self.layer.is_own_branch(v.branch) for v in vias[1:]):
            return 482, None, []
        if request.method != "CANCEL":
            required = {r.lower() for r in request.headers.values("require")}
            unsupported = sorted(required - SUPPORTED_EXTENSIONS)
            if unsupported:
                return 420, None, [("Unsupported", ", ".join(unsupported))]
        return None

    def _leg_for(self, request: Request) -> Leg | None:
        key = (request.call_id, request.to.tag or "", request.from_.tag or "")
        return self.legs.get(key)

    def _cancel(self, txn: ServerTransaction) -> None:
        invite_txn = self.layer.invite_for_cancel(txn.request)
        if invite_txn is None:
            txn.respond(self.response(txn.request, 481))
            return
        txn.respond(self.response(txn.request, 200))
        leg = self.inbound_invites.get(invite_txn.key)
        if leg is not None and leg.state in (LegState.CALLING, LegState.EARLY):
            leg.hangup("cancelled")
            leg.events.leg_ended(leg, "cancelled")
        elif leg is None and invite_txn.last_response is None:
            invite_txn.respond(self.response(invite_txn.request, 487))
