"""What the switch lets in from outside a dialog: OPTIONS, REGISTER of the agents' phones
(digest authentication, throttled after repeated failures), INVITEs to the inbound numbers
(from trusted peers, or authenticated), and the calls an agent's own registered phone places
(always authenticated). Everything else is refused here, before the B2bua sees it: the
switch is never a relay to the trunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog

from helpline.adapters.telephony.sip.auth import DigestAuth, Verdict
from helpline.adapters.telephony.sip.b2bua import B2bua
from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.registrar import RegisterError, Registrar
from helpline.adapters.telephony.sip.transaction import InviteServerTransaction, ServerTransaction
from helpline.adapters.telephony.sip.ua import UserAgent

log = structlog.get_logger("helpline.sip")


class Admission:
    """``agent_of`` maps a SIP user name to (tenant, agent): whose phone places a call."""

    def __init__(
        self,
        config: SipConfig,
        ua: UserAgent,
        auth: DigestAuth,
        registrar: Registrar,
        b2bua: B2bua,
        agent_of: Callable[[str], tuple[str, str] | None],
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.ua = ua
        self.auth = auth
        self.registrar = registrar
        self.b2bua = b2bua
        self.agent_of = agent_of
        self.clock = clock

    def on_request(self, txn: ServerTransaction) -> None:
        """A new request outside any dialog (the UA core has screened it)."""
        request = txn.request
        if request.method == "OPTIONS":
            txn.respond(self.ua.response(request, 200, headers=[("Accept", "application/sdp")]))
        elif request.method == "REGISTER":
            self._register(txn)
        elif request.method == "INVITE" and isinstance(txn, InviteServerTransaction):
            self._invite(txn)
        else:
            txn.respond(self.ua.response(request, 405))

    def _challenge(self, txn: ServerTransaction, verdict: Verdict) -> None:
        if verdict in (Verdict.MISSING, Verdict.STALE):
            challenge = self.auth.challenge(stale=verdict is Verdict.STALE)
            txn.respond(self.ua.response(txn.request, 401, headers=[("WWW-Authenticate", challenge)]))
        else:
            reason = "Too many failures" if verdict is Verdict.BLOCKED else None
            txn.respond(self.ua.response(txn.request, 403, reason))

    def _register(self, txn: ServerTransaction) -> None:
        request = txn.request
        try:
            extension = request.to.sip_uri.user or ""
        except SipParseError:
            txn.respond(self.ua.response(request, 400, "Bad To URI"))
            return
        result = self.auth.verify(
            "REGISTER", request.headers.get("authorization"), txn.peer.host, expected_user=extension
        )
        if result.verdict is not Verdict.OK:
            self._challenge(txn, result.verdict)
            return
        try:
            bindings = self.registrar.register(request, extension, txn.peer)
        except RegisterError as exc:
            txn.respond(self.ua.response(request, exc.status, exc.reason or None, headers=exc.headers))
            return
        now = self.clock()
        contacts = [("Contact", f"<{b.contact}>;expires={b.remaining(now)}") for b in bindings]
        txn.respond(self.ua.response(request, 200, headers=[*contacts, ("Date", _http_date(now))]))
        log.info("registered", extension=extension, source=str(txn.peer), bindings=len(bindings))

    def _invite(self, txn: InviteServerTransaction) -> None:
        request = txn.request
        if not request.uri.lower().startswith(("sip:", "sips:")):
            txn.respond(self.ua.response(request, 416))
            return
        number = request.sip_uri.user or ""
        tenant_id = self.config.inbound_numbers.get(number)
        if tenant_id is None:
            self._invite_out(txn, number)
            return
        if txn.peer.host not in self.config.trusted_peers:
            result = self.auth.verify("INVITE", request.headers.get("authorization"), txn.peer.host)
            if result.verdict is not Verdict.OK:
                self._challenge(txn, result.verdict)
                return
        if request.body and request.content_type != "application/sdp":
            txn.respond(self.ua.response(request, 415, headers=[("Accept", "application/sdp")]))
            return
        txn.respond(self.ua.response(request, 100))
        self.b2bua.spawn(self.b2bua.accept(txn, tenant_id, number), "accept_failed")

    def _invite_out(self, txn: InviteServerTransaction, number: str) -> None:
        """A call to a number that is not ours: only an agent's registered phone may place it
        (dial-out through the trunk, or an internal call to another extension), and only with
        its digest credentials, trusted address or not. Anyone else gets 404: the switch is
        never a relay to the trunk."""
        request = txn.request
        extension = self.registrar.registered_from(txn.peer)
        if extension is None:
            txn.respond(self.ua.response(request, 404))
            return
        result = self.auth.verify(
            "INVITE", request.headers.get("authorization"), txn.peer.host, expected_user=extension
        )
        if result.verdict is not Verdict.OK:
            self._challenge(txn, result.verdict)
            return
        owner = self.agent_of(extension)
        if owner is None or not number:
            txn.respond(self.ua.response(request, 403 if owner is None else 404))
            return
        if request.body and request.content_type != "application/sdp":
            txn.respond(self.ua.response(request, 415, headers=[("Accept", "application/sdp")]))
            return
        txn.respond(self.ua.response(request, 100))
        tenant_id, agent_id = owner
        self.b2bua.spawn(self.b2bua.accept_dial(txn, tenant_id, agent_id, number), "accept_failed")


def _http_date(now: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))
