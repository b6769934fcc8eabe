"""Placing a leg to one of our own registered phones (an agent's or a supervisor's).

The switch only ever calls phones that registered with it: the INVITE goes to the live
binding of the extension, with the caller's number as the From (for the phone's display)
and the ACD's call id in ``X-Helpline-Call-ID``.
"""

from __future__ import annotations

from helpline.adapters.telephony.sip import sdp
from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.dialog import new_call_id, new_tag
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.headers import Headers
from helpline.adapters.telephony.sip.leg import Leg, LegEvents
from helpline.adapters.telephony.sip.message import Request
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

    async def place(self, events: LegEvents, *, call_id: str, caller: str, party_id: str,
                    extension: str | None, role: str) -> Leg | str:
        """Ring ``extension``; the leg, or why it cannot be rung (``not_registered``,
        ``no_media_ports``)."""
        bindings = self.registrar.lookup(extension) if extension else []
        if not bindings or extension is None:
            return "not_registered"
        binding = bindings[0]
        try:
            rtp = await self.pool.open(self.config.host)
        except RuntimeError:
            return "no_media_ports"
        peer = self.reach(binding)
        invite = self.invite(call_id=call_id, caller=caller, extension=extension, binding=binding,
                             peer=peer, rtp=rtp)
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

    def invite(self, *, call_id: str, caller: str, extension: str, binding: Binding, peer: Address,
               rtp: RtpSession) -> Request:
        host = self.ua.host
        headers = Headers()
        headers.add("Via", self.ua.via(peer))
        headers.add("Max-Forwards", "70")
        caller_uri = SipUri(host=host, user=caller if _safe_user(caller) else "anonymous")
        headers.add("From", str(NameAddr(str(caller_uri), caller or None, {"tag": new_tag()})))
        headers.add("To", str(NameAddr(f"sip:{extension}@{host}")))
        headers.add("Call-ID", new_call_id(host))
        headers.add("CSeq", "1 INVITE")
        headers.add("Contact", self.ua.contact(peer.transport))
        headers.add("User-Agent", self.config.user_agent)
        headers.add("X-Helpline-Call-ID", call_id)
        headers.add("Content-Type", "application/sdp")
        body = sdp.build(self.ua.media_host, rtp.port, session_id=rtp.ssrc, version=1,
                         codecs=[(0, "PCMU"), (8, "PCMA")], dtmf_pt=101)
        return Request(headers=headers, body=body, method="INVITE", uri=binding.contact)


def _safe_user(user: str) -> bool:
    return bool(user) and len(user) < 64 and all(c.isalnum() or c in "+-_.*#" for c in user)
