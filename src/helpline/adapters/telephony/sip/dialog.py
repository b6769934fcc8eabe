"""Dialogs (RFC 3261 §12): the peer-to-peer state an INVITE sets up, and the requests in it.

A dialog is identified by Call-ID and the two tags. The UAS side is built from the INVITE
it answered, the UAC side from its INVITE and the 2xx that answered it. In-dialog requests
(ACK, BYE, re-INVITE, INFO) are built here with the right CSeq, Route set and target.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.headers import Headers
from helpline.adapters.telephony.sip.message import Request, Response
from helpline.adapters.telephony.sip.uri import NameAddr


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(10)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(12)}@{host}"


@dataclass
class Dialog:
    call_id: str
    local: NameAddr  # our From in requests we send (with our tag)
    remote: NameAddr  # our To (with the remote tag)
    remote_target: str  # the remote Contact URI: Request-URI of our requests
    peer: Address  # where our requests go (the address the other side really sends from)
    local_contact: str
    local_seq: int
    remote_seq: int | None = None
    route_set: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.call_id, self.local.tag or "", self.remote.tag or "")

    @classmethod
    def as_uas(cls, invite: Request, local_tag: str, peer: Address, local_contact: str) -> Dialog:
        contacts = invite.contacts
        return cls(
            call_id=invite.call_id,
            local=invite.to.with_tag(local_tag),
            remote=invite.from_,
            remote_target=contacts[0].uri if contacts else invite.from_.uri,
            peer=peer,
            local_contact=local_contact,
            local_seq=secrets.randbelow(10000) + 1,
            remote_seq=invite.cseq.seq,
            route_set=invite.headers.values("record-route"),
        )

    @classmethod
    def as_uac(cls, invite: Request, answer: Response, peer: Address) -> Dialog:
        contacts = answer.contacts
        return cls(
            call_id=invite.call_id,
            local=invite.from_,
            remote=answer.to,
            remote_target=contacts[0].uri if contacts else invite.uri,
            peer=peer,
            local_contact=invite.headers.get("contact") or "",
            local_seq=invite.cseq.seq,
            route_set=list(reversed(answer.headers.values("record-route"))),
        )

    def matches(self, message: Request | Response, *, incoming: bool = True) -> bool:
        if message.call_id != self.call_id:
            return False
        ours, theirs = message.to.tag, message.from_.tag
        if not incoming:
            ours, theirs = theirs, ours
        return ours == self.local.tag and theirs == self.remote.tag

    def check_remote_seq(self, request: Request) -> bool:
        """RFC 3261 §12.2.2: a lower CSeq than the last one is out of order (answer 500)."""
        if request.method in ("ACK", "CANCEL"):
            return True
        seq = request.cseq.seq
        if self.remote_seq is not None and seq <= self.remote_seq:
            return False
        self.remote_seq = seq
        return True

    def request(
        self,
        method: str,
        via: str,
        *,
        body: bytes = b"",
        content_type: str | None = None,
        cseq: int | None = None,
    ) -> Request:
        """A request inside this dialog. ``cseq`` is for the ACK, which reuses the INVITE's."""
        if cseq is None:
            self.local_seq += 1
            cseq = self.local_seq
        headers = Headers()
        headers.add("Via", via)
        for route in self.route_set:
            headers.add("Route", route)
        headers.add("Max-Forwards", "70")
        headers.add("From", str(self.local))
        headers.add("To", str(self.remote))
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{cseq} {method}")
        if method in ("INVITE", "UPDATE") or (method == "ACK" and body):
            headers.add("Contact", self.local_contact)
        if content_type:
            headers.add("Content-Type", content_type)
        return Request(headers=headers, body=body, method=method, uri=self.remote_target)
