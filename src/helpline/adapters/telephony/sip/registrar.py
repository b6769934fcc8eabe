"""The registrar: where each agent extension's phone can be reached (RFC 3261 §10.3).

A binding keeps the Contact the phone registered and the address its REGISTER came from;
the switch sends INVITEs to the latter, so a phone behind NAT (or sipp on loopback) is
reached where it really is. Expiry is checked against the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.message import Request
from helpline.adapters.telephony.sip.uri import NameAddr, is_digits

MAX_BINDINGS_PER_AOR = 5


class RegisterError(Exception):
    """A REGISTER the registrar refuses: ``status`` and optional extra headers for the answer."""

    def __init__(self, status: int, reason: str = "", headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(reason or str(status))
        self.status = status
        self.reason = reason
        self.headers = headers or []


@dataclass
class Binding:
    extension: str
    contact: str  # the Contact URI, the Request-URI of INVITEs to this phone
    source: Address  # where the REGISTER came from: where INVITEs are sent
    expires_at: float
    call_id: str
    cseq: int

    def remaining(self, now: float) -> int:
        return max(0, round(self.expires_at - now))


class Registrar:
    def __init__(
        self,
        clock: Callable[[], float],
        *,
        min_expires: int = 60,
        max_expires: int = 3600,
        default_expires: int = 3600,
    ) -> None:
        self.clock = clock
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.default_expires = default_expires
        self._bindings: dict[str, list[Binding]] = {}

    def lookup(self, extension: str) -> list[Binding]:
        """Live bindings of ``extension``, most recently registered first."""
        now = self.clock()
        live = [b for b in self._bindings.get(extension, []) if b.expires_at > now]
        if live:
            self._bindings[extension] = live
        else:
            self._bindings.pop(extension, None)
        return sorted(live, key=lambda b: b.expires_at, reverse=True)

    def registered_from(self, source: Address) -> str | None:
        """The extension with a live binding registered from ``source`` (host, port and
        transport), if any: a call from there comes from that phone (it still proves it
        with digest credentials)."""
        now = self.clock()
        for extension, bindings in self._bindings.items():
            if any(b.source == source and b.expires_at > now for b in bindings):
                return extension
        return None

    def bind(self, binding: Binding) -> None:
        current = [b for b in self._bindings.get(binding.extension, []) if b.contact != binding.contact]
        self._bindings[binding.extension] = [binding, *current][:MAX_BINDINGS_PER_AOR]

    def unbind(self, extension: str, contact: str | None = None) -> None:
        if contact is None:
            self._bindings.pop(extension, None)
        else:
            self._bindings[extension] = [b for b in self._bindings.get(extension, []) if b.contact != contact]

    def register(self, request: Request, extension: str, source: Address) -> list[Binding]:
        """Apply an (authenticated) REGISTER for ``extension``; returns the bindings now held."""
        now = self.clock()
        header_expires = request.headers.get("expires")
        default = self.default_expires
        if header_expires is not None:
            if not is_digits(header_expires.strip()) or len(header_expires.strip()) > 10:
                raise RegisterError(400, "Bad Expires")
            default = int(header_expires.strip())
        contacts = request.headers.values("contact")
        existing = {b.contact: b for b in self._bindings.get(extension, [])}
        if "*" in contacts:
            if len(contacts) != 1 or default != 0:
                raise RegisterError(400, "Bad wildcard Contact")
            self.unbind(extension)
            return []
        changes: list[tuple[NameAddr, int]] = []
        for value in contacts:
            try:
                contact = NameAddr.parse(value)
            except SipParseError:
                raise RegisterError(400, "Bad Contact") from None
            raw = contact.params.get("expires")
            if raw is not None and (not is_digits(raw) or len(raw) > 10):
                raise RegisterError(400, "Bad Contact expires")
            expires = int(raw) if raw is not None else default
            if 0 < expires < self.min_expires:
                raise RegisterError(423, "Interval Too Brief", [("Min-Expires", str(self.min_expires))])
            changes.append((contact, min(expires, self.max_expires)))
        cseq = request.cseq.seq
        for contact, expires in changes:
            old = existing.get(contact.uri)
            if old is not None and old.call_id == request.call_id and old.cseq >= cseq:
                raise RegisterError(500, "Out of order REGISTER", [("Retry-After", "1")])
            if expires == 0:
                self.unbind(extension, contact.uri)
            else:
                self.bind(Binding(extension, contact.uri, source, now + expires, request.call_id, cseq))
        return self.lookup(extension)

    def count(self) -> int:
        return sum(len(self.lookup(ext)) for ext in list(self._bindings))
