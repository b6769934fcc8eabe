"""Header names (compact forms, canonical spelling), the ordered header list, Via and CSeq."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.uri import (
    format_params,
    is_digits,
    is_token,
    parse_params,
    split_host_port,
    split_quoted,
)

COMPACT = {
    "a": "accept-contact",
    "b": "referred-by",
    "c": "content-type",
    "d": "request-disposition",
    "e": "content-encoding",
    "f": "from",
    "i": "call-id",
    "j": "reject-contact",
    "k": "supported",
    "l": "content-length",
    "m": "contact",
    "n": "identity-info",
    "o": "event",
    "r": "refer-to",
    "s": "subject",
    "t": "to",
    "u": "allow-events",
    "v": "via",
    "x": "session-expires",
    "y": "identity",
}
_SPELLING = {
    "call-id": "Call-ID",
    "cseq": "CSeq",
    "www-authenticate": "WWW-Authenticate",
    "mime-version": "MIME-Version",
    "rack": "RAck",
    "rseq": "RSeq",
}
# Headers whose comma-separated values are separate entries (RFC 3261 §7.3.1). The auth
# headers are not among them: their parameters are separated by commas.
MULTI_VALUED = frozenset(
    {
        "via",
        "contact",
        "route",
        "record-route",
        "allow",
        "supported",
        "require",
        "proxy-require",
        "unsupported",
        "accept",
        "accept-encoding",
        "accept-language",
        "allow-events",
        "content-encoding",
        "in-reply-to",
        "alert-info",
        "call-info",
        "error-info",
        "warning",
    }
)


# "SIP / 2.0 / UDP": linear white space may surround each slash (RFC 3261 §25.1, SLASH)
_SENT_PROTOCOL = re.compile(r"^\s*SIP\s*/\s*2\.0\s*/\s*([A-Za-z0-9.!%*_+`'~-]+)\s+(\S.*)$", re.S | re.I)


_CANONICAL: dict[str, str] = {}
_SPELLED: dict[str, str] = {}
_CACHE_LIMIT = 4096  # header names seen; hostile input must not grow the caches forever


def canonical(name: str) -> str:
    """The lowercase long form of a header name (``v`` -> ``via``)."""
    key = _CANONICAL.get(name)
    if key is None:
        lower = name.lower()
        key = COMPACT.get(lower, lower)
        if len(_CANONICAL) < _CACHE_LIMIT:
            _CANONICAL[name] = key
    return key


def spelled(key: str) -> str:
    """How a header name is written on the wire (``call-id`` -> ``Call-ID``)."""
    name = _SPELLED.get(key)
    if name is None:
        name = _SPELLING.get(key) or "-".join(p[:1].upper() + p[1:] for p in key.split("-"))
        if len(_SPELLED) < _CACHE_LIMIT:
            _SPELLED[key] = name
    return name


class Headers:
    """Ordered (name, value) pairs, looked up case-insensitively and by compact form.

    Each line is stored as (key, name, value), the canonical key computed once when the line
    is added (at parse time for received messages): lookups compare keys and never
    re-normalise names (the profile showed that at ~5% of the switch's busy time).
    """

    __slots__ = ("_items",)

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._items: list[tuple[str, str, str]] = []
        for name, value in items or []:
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        key = canonical(name)
        self._items.append((key, spelled(key), value))

    def prepend(self, name: str, value: str) -> None:
        key = canonical(name)
        self._items.insert(0, (key, spelled(key), value))

    def set(self, name: str, value: str) -> None:
        """Replace every value of ``name`` by one, kept where the first one was."""
        key = canonical(name)
        for i, item in enumerate(self._items):
            if item[0] == key:
                self._items[i] = (key, spelled(key), value)
                self._items = [it for j, it in enumerate(self._items) if j == i or it[0] != key]
                return
        self.add(name, value)

    def replace_first(self, name: str, value: str) -> None:
        """Replace the first line of ``name`` (the top Via, say), keeping the others."""
        key = canonical(name)
        for i, (k, n, _) in enumerate(self._items):
            if k == key:
                self._items[i] = (k, n, value)
                return
        self.add(name, value)

    def remove(self, name: str) -> None:
        key = canonical(name)
        self._items = [item for item in self._items if item[0] != key]

    def get(self, name: str) -> str | None:
        key = canonical(name)
        for k, _, v in self._items:
            if k == key:
                return v
        return None

    def raw(self, name: str) -> list[str]:
        """Every header line's value for ``name``, unsplit."""
        key = canonical(name)
        return [v for k, _, v in self._items if k == key]

    def values(self, name: str) -> list[str]:
        """The values of ``name``, comma lists split for the multi-valued headers."""
        key = canonical(name)
        raw = [v for k, _, v in self._items if k == key]
        if key not in MULTI_VALUED:
            return raw
        out: list[str] = []
        for line in raw:
            if "," not in line and '"' not in line:  # the common case: nothing to split
                if line.strip():
                    out.append(line.strip())
                continue
            out += [p.strip() for p in split_quoted(line, ",") if p.strip()]
        return out

    def lines(self, *, skip: str = "") -> list[str]:
        """``Name: value`` wire lines, without the header keyed ``skip`` (canonical)."""
        return [f"{n}: {v}" for k, n, v in self._items if k != skip]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter([(n, v) for _, n, v in self._items])

    def __len__(self) -> int:
        return len(self._items)

    def copy(self) -> Headers:
        new = Headers()
        new._items = list(self._items)
        return new


@dataclass
class Via:
    """``SIP/2.0/UDP host:port;branch=z9hG4bK...;rport;received=...``"""

    transport: str
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Via:
        match = _SENT_PROTOCOL.match(text)
        if match is None:
            raise SipParseError(f"bad Via protocol {text[:30]!r}")
        sent_by, _, params = match.group(2).partition(";")
        host, port = split_host_port("".join(sent_by.split()))  # SWS around ":" is allowed
        return cls(transport=match.group(1).upper(), host=host, port=port, params=parse_params(params))

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def sent_by(self) -> str:
        return f"{self.host}:{self.port or 5060}"

    def __str__(self) -> str:
        port = f":{self.port}" if self.port else ""
        return f"SIP/2.0/{self.transport} {self.host}{port}{format_params(self.params)}"


@dataclass(frozen=True)
class CSeq:
    seq: int
    method: str

    @classmethod
    def parse(cls, text: str) -> CSeq:
        parts = text.split()
        if len(parts) != 2 or not is_digits(parts[0]) or len(parts[0]) > 10 or not is_token(parts[1]):
            raise SipParseError(f"bad CSeq {text[:40]!r}")
        seq = int(parts[0])
        if seq >= 2**31:
            raise SipParseError("CSeq number too large")
        return cls(seq, parts[1])

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"
