"""SIP URIs and name-addr values (RFC 3261 §19.1, §20.10, §25.1).

Parsing is strict where the switch relies on a value (host, port, tag) and lenient about
parameters it only carries. Every failure is a :class:`SipParseError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from helpline.adapters.telephony.sip.errors import SipParseError

TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9\-_]*[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*\.?$")
_IPV6 = re.compile(r"^\[[0-9A-Fa-f:.]+\]$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")


def is_digits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts superscripts that ``int`` refuses)."""
    return text.isascii() and text.isdigit()


def is_token(text: str) -> bool:
    return bool(text) and all(c in TOKEN_CHARS for c in text)


def check_host(host: str) -> str:
    """A hostname, IPv4 address or bracketed IPv6 reference, else SipParseError."""
    if not host or len(host) > 255 or not (_HOSTNAME.match(host) or _IPV6.match(host)):
        raise SipParseError(f"bad host {host[:40]!r}")
    return host


def parse_port(text: str) -> int:
    if not is_digits(text) or len(text) > 5 or not 0 < int(text) < 65536:
        raise SipParseError(f"bad port {text[:10]!r}")
    return int(text)


def split_host_port(text: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port``."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise SipParseError("unclosed IPv6 reference")
        host, rest = text[: end + 1], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise SipParseError("junk after IPv6 reference")
        return check_host(host), parse_port(rest[1:]) if rest else None
    host, sep, port = text.partition(":")
    return check_host(host), parse_port(port) if sep else None


def split_quoted(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double quotes and angle brackets."""
    parts: list[str] = []
    depth, quoted, escaped, start = 0, False, False, 0
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif quoted:
            if ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if quoted:
        raise SipParseError("unterminated quoted string")
    parts.append(text[start:])
    return parts


def parse_params(text: str) -> dict[str, str | None]:
    """``;a=b;c`` (leading ``;`` optional) into {lowercase name: value or None}."""
    params: dict[str, str | None] = {}
    if not text.strip():
        return params
    for part in split_quoted(text.lstrip().removeprefix(";"), ";"):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not name or any(c in name for c in ' \t"<>,'):
            raise SipParseError(f"bad parameter {part[:40]!r}")
        params[name.lower()] = value.strip() if sep else None
    return params


def format_params(params: dict[str, str | None]) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params.items())


def unquote(text: str) -> str:
    """The content of a quoted-string with its escapes resolved."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise SipParseError("not a quoted string")
    out, escaped = [], False
    for ch in text[1:-1]:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            raise SipParseError("quote inside quoted string")
        else:
            out.append(ch)
    if escaped:
        raise SipParseError("dangling escape in quoted string")
    return "".join(out)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class SipUri:
    """``sip:user:password@host:port;params?headers`` (also ``sips:``)."""

    host: str
    user: str | None = None
    port: int | None = None
    scheme: str = "sip"
    password: str | None = None
    params: dict[str, str | None] = field(default_factory=dict)
    headers: str = ""

    @classmethod
    def parse(cls, text: str) -> SipUri:
        scheme, sep, rest = text.strip().partition(":")
        if not sep or scheme.lower() not in ("sip", "sips"):
            raise SipParseError(f"not a SIP URI {text[:60]!r}")
        rest, _, headers = rest.partition("?")
        user = password = None
        if "@" in rest:
            userinfo, _, rest = rest.rpartition("@")
            if not userinfo or any(c in userinfo for c in ' \t<>"@'):
                raise SipParseError("bad userinfo")
            user, psep, pw = userinfo.partition(":")
            password = pw if psep else None
        hostport, _, params = rest.partition(";")
        host, port = split_host_port(hostport)
        return cls(
            host=host,
            user=user,
            port=port,
            scheme=scheme.lower(),
            password=password,
            params=parse_params(params),
            headers=headers,
        )

    @property
    def transport(self) -> str:
        value = self.params.get("transport")
        return (value or ("tls" if self.scheme == "sips" else "udp")).lower()

    def __str__(self) -> str:
        userinfo = ""
        if self.user is not None:
            userinfo = self.user + (f":{self.password}" if self.password is not None else "") + "@"
        port = f":{self.port}" if self.port else ""
        headers = f"?{self.headers}" if self.headers else ""
        return f"{self.scheme}:{userinfo}{self.host}{port}{format_params(self.params)}{headers}"


def check_uri(text: str) -> str:
    """Any absolute URI (sip, sips, tel, ...): a scheme and no whitespace."""
    scheme, sep, rest = text.partition(":")
    if not sep or not _SCHEME.match(scheme) or not rest or any(c in text for c in " \t\r\n<>"):
        raise SipParseError(f"bad Request-URI {text[:60]!r}")
    if scheme.lower() in ("sip", "sips"):
        SipUri.parse(text)
    return text


@dataclass
class NameAddr:
    """A From/To/Contact/Route value: optional display name, URI, header parameters."""

    uri: str
    display: str | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> NameAddr:
        text = text.strip()
        if not text:
            raise SipParseError("empty address")
        display: str | None = None
        if text.startswith('"'):
            end = _closing_quote(text)
            display = unquote(text[: end + 1])
            text = text[end + 1 :].lstrip()
            if not text.startswith("<"):
                raise SipParseError("display name without <URI>")
        if "<" in text:
            before, _, rest = text.partition("<")
            if display is None and before.strip():
                display = before.strip()
            uri, closed, params = rest.partition(">")
            if not closed:
                raise SipParseError("unclosed <URI>")
        else:
            uri, _, params = text.partition(";")
            params = ";" + params if params else ""
        uri = uri.strip()
        check_uri(uri)
        return cls(uri=uri, display=display, params=parse_params(params))

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    @property
    def sip_uri(self) -> SipUri:
        return SipUri.parse(self.uri)

    def with_tag(self, tag: str) -> NameAddr:
        return NameAddr(self.uri, self.display, {**self.params, "tag": tag})

    def __str__(self) -> str:
        display = f"{quote(self.display)} " if self.display else ""
        return f"{display}<{self.uri}>{format_params(self.params)}"


def _closing_quote(text: str) -> int:
    escaped = False
    for i in range(1, len(text)):
        ch = text[i]
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            return i
    raise SipParseError("unterminated display name")
