"""Placing a leg: to one of our own registered phones (an agent's or a supervisor's), or out
through the trunk to a number.

A phone is only ever reached at the live binding of its extension, with the caller's number
as the From (for the phone's display) and the ACD's call id in ``X-Helpline-Call-ID``.
The trunk is the only way out: the INVITE goes to the configured carrier, with the
platform's caller ID in From and P-Asserted-Identity. Only the switch's own actions (an
authenticated agent's dial-out, a transfer or consult, the IVR) call :meth:`Dialer.trunk`;
nothing a stranger sends is ever forwarded (no open relay).
"""

from __future__ import annotations

from collections.abc import Callable

from helpline.adapters.telephony.sip import sdp
from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.dialog import new_call_id, new_tag
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.headers import Headers
from helpline.adapters.telephony.sip.leg import Leg, LegEvents
from helpline.adapters.telephony.sip.message import Request, Response
from helpline.adapters.telephony.sip.registrar import Binding, Registrar
from helpline.adapters.telephony.sip.rtp import PortPool, RtpSession
from helpline.adapters.telephony.sip.ua import UserAgent
from helpline.adapters.telephony.sip.uri import NameAddr, SipUri


class Dialer:
    def __init__(self, config: SipConfig, ua: UserAgent, registrar: Registrar, pool: PortPool) -> None:
        self.config = config
        self.ua = ua
        self.registrar = registrar
        self.pool = pool

    async def place(
        self,
        events: LegEvents,
        *,
        call_id: str,
        caller: str,
        party_id: str,
        extension: str | None,
        role: str,
        auto_answer: bool = False,
    ) -> Leg | str:
        """Ring ``extension``; the leg, or why it cannot be rung (``not_registered``,
        ``no_media_ports``). ``auto_answer`` asks the phone to pick up by itself (the agent
        placed the call from the desktop, a headset agent's offered call, an answer at the
        desktop: ``Call-Info: answer-after=0`` with ``Alert-Info: alert-autoanswer``)."""
        bindings = self.registrar.lookup(extension) if extension else []
        if not bindings or extension is None:
            return "not_registered"
        binding = bindings[0]
        try:
            rtp = await self.pool.open(self.config.host)
        except RuntimeError:
            return "no_media_ports"
        peer = self.reach(binding)
        invite = self.invite(
            call_id=call_id,
            caller=caller,
            extension=extension,
            binding=binding,
            peer=peer,
            rtp=rtp,
            auto_answer=auto_answer,
        )
        leg = Leg(self.ua, events, rtp, invite, peer, inbound=False)
        leg.agent_id, leg.call_id, leg.role = party_id, call_id, role
        leg.auto_answer = auto_answer
        return leg

    async def trunk(
        self, events: LegEvents, *, call_id: str, number: str, party_id: str, role: str
    ) -> Leg | str:
        """A leg (not yet started) to ``number`` through the trunk, or why there is none
        (``no_trunk``, ``invalid_number``, ``no_media_ports``)."""
        target = self.config.trunk_address
        if target is None:
            return "no_trunk"
        if not valid_number(number):
            return "invalid_number"
        try:
            rtp = await self.pool.open(self.config.host)
        except RuntimeError:
            return "no_media_ports"
        host, port = target
        peer = Address(host, port, "UDP")
        hostport = f"[{host}]" if ":" in host else host
        uri = f"sip:{number}@{hostport}" + (f":{port}" if port != 5060 else "")
        caller_id = self.config.caller_id if _safe_user(self.config.caller_id) else "anonymous"
        identity = f"sip:{caller_id}@{self.ua.host}"
        invite = self._request(
            uri=uri,
            to=f"<sip:{number}@{hostport}>",
            caller=caller_id,
            peer=peer,
            rtp=rtp,
            call_id=call_id,
            extra=[("P-Asserted-Identity", f"<{identity}>")],
        )
        leg = Leg(self.ua, events, rtp, invite, peer, inbound=False)
        leg.agent_id, leg.call_id, leg.role = party_id, call_id, role
        return leg

    def reach(self, binding: Binding) -> Address:
        """Where to send to a phone: where it registered from (NAT), unless that was a TCP
        connection that has since closed; then the Contact it registered."""
        if self.ua.connected(binding.source):
            return binding.source
        try:
            uri = SipUri.parse(binding.contact)
        except SipParseError:
            return binding.source
        return Address(uri.host.strip("[]"), uri.port or 5060, binding.source.transport)

    def invite(
        self,
        *,
        call_id: str,
        caller: str,
        extension: str,
        binding: Binding,
        peer: Address,
        rtp: RtpSession,
        auto_answer: bool = False,
    ) -> Request:
        extra = auto_answer_headers(self.ua.host, self.config.auto_answer_alert_info) if auto_answer else []
        return self._request(
            uri=binding.contact,
            to=f"<sip:{extension}@{self.ua.host}>",
            caller=caller,
            peer=peer,
            rtp=rtp,
            call_id=call_id,
            extra=extra,
        )

    def talk(self, leg: Leg, on_result: Callable[[bool], None]) -> None:
        """Ask the phone ringing for ``leg`` to go off-hook: an out-of-dialog ``NOTIFY`` with
        ``Event: talk`` (BroadSoft remote control; Yealink, Polycom and others do it when
        allowed). ``on_result`` hears whether the phone said 2xx (False: refused, timed out)."""
        invite = leg.invite
        host = self.ua.host
        headers = Headers()
        headers.add("Via", self.ua.via(leg.peer))
        headers.add("Max-Forwards", "70")
        headers.add("From", f"<sip:helpline@{host}>;tag={new_tag()}")
        headers.add("To", invite.headers.get("to") or f"<{invite.uri}>")
        headers.add("Call-ID", new_call_id(host))
        headers.add("CSeq", "1 NOTIFY")
        headers.add("Contact", self.ua.contact(leg.peer.transport))
        headers.add("Event", "talk")
        headers.add("Subscription-State", "terminated;reason=noresource")  # unsolicited (RFC 6665)
        headers.add("User-Agent", self.config.user_agent)
        headers.add("X-Helpline-Call-ID", leg.call_id or "")
        notify = Request(headers=headers, method="NOTIFY", uri=invite.uri)

        def answered(response: Response) -> None:
            if response.status >= 200:  # a final response; provisional ones are ignored
                on_result(response.status < 300)

        self.ua.layer.request(notify, leg.peer, answered, lambda: on_result(False))

    def _request(
        self,
        *,
        uri: str,
        to: str,
        caller: str,
        peer: Address,
        rtp: RtpSession,
        call_id: str,
        extra: list[tuple[str, str]],
    ) -> Request:
        host = self.ua.host
        headers = Headers()
        headers.add("Via", self.ua.via(peer))
        headers.add("Max-Forwards", "70")
        caller_uri = SipUri(host=host, user=caller if _safe_user(caller) else "anonymous")
        headers.add("From", str(NameAddr(str(caller_uri), caller or None, {"tag": new_tag()})))
        headers.add("To", to)
        headers.add("Call-ID", new_call_id(host))
        headers.add("CSeq", "1 INVITE")
        headers.add("Contact", self.ua.contact(peer.transport))
        headers.add("User-Agent", self.config.user_agent)
        headers.add("X-Helpline-Call-ID", call_id)
        for name, value in extra:
            headers.add(name, value)
        headers.add("Content-Type", "application/sdp")
        body = sdp.build(
            self.ua.media_host,
            rtp.port,
            session_id=rtp.ssrc,
            version=1,
            codecs=[(0, "PCMU"), (8, "PCMA")],
            dtmf_pt=101,
        )
        return Request(headers=headers, body=body, method="INVITE", uri=uri)


def auto_answer_headers(host: str, alert_info: str) -> list[tuple[str, str]]:
    """Ask a phone to pick up by itself (the BroadSoft, Polycom and Yealink
    ``answer-after`` parameter), with the Alert-Info those phones beep on instead of ringing."""
    headers = [("Call-Info", f"<sip:{host}>;answer-after=0")]
    return [*headers, ("Alert-Info", alert_info)] if alert_info else headers


def valid_number(number: str) -> bool:
    """A number the trunk may be asked to call: digits, an optional leading +, 2-32 long."""
    digits = number.removeprefix("+")
    return 2 <= len(digits) <= 32 and digits.isdigit() and digits.isascii()


def _safe_user(user: str) -> bool:
    return bool(user) and len(user) < 64 and all(c.isalnum() or c in "+-_.*#" for c in user)
