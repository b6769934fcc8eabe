"""SIP messages: parse, inspect, build and serialise requests and responses (RFC 3261 §7, §20).

:func:`parse_message` accepts bytes from the network and returns a :class:`Request` or
:class:`Response`, or raises :class:`SipParseError` and nothing else: hostile input (huge
messages, too many headers, bad encodings, wrong Content-Length, missing mandatory headers)
is refused with a reason and, when the header block was readable, the headers needed to
answer it (see :func:`error_response`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.headers import CSeq, Headers, Via
from helpline.adapters.telephony.sip.uri import NameAddr, SipUri, check_uri, is_digits, is_token

__all__ = ["Request", "Response", "SipMessage", "SipParseError", "error_response", "parse_message"]

MAX_MESSAGE = 65535  # a UDP datagram cannot be larger; TCP framing enforces the same bound
MAX_HEADERS = 100
MAX_HEADER_LINE = 4096
MAX_VIAS = 32
MANDATORY = ("via", "from", "to", "call-id", "cseq")

REASONS = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    200: "OK",
    202: "Accepted",
    301: "Moved Permanently",
    302: "Moved Temporarily",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    423: "Interval Too Brief",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    484: "Address Incomplete",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    504: "Server Time-out",
    505: "Version Not Supported",
    513: "Message Too Large",
    600: "Busy Everywhere",
    603: "Decline",
}


@dataclass
class SipMessage:
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    # -- the headers every message has (parse_message checks they are there) -----------------

    @property
    def call_id(self) -> str:
        return self.headers.get("call-id") or ""

    @property
    def cseq(self) -> CSeq:
        return CSeq.parse(self.headers.get("cseq") or "")

    @property
    def from_(self) -> NameAddr:
        return NameAddr.parse(self.headers.get("from") or "")

    @property
    def to(self) -> NameAddr:
        return NameAddr.parse(self.headers.get("to") or "")

    @property
    def vias(self) -> list[Via]:
        return [Via.parse(v) for v in self.headers.values("via")]

    @property
    def top_via(self) -> Via:
        return Via.parse(self.headers.values("via")[0])

    @property
    def contacts(self) -> list[NameAddr]:
        return [NameAddr.parse(v) for v in self.headers.values("contact") if v != "*"]

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    def start_line(self) -> str:
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """Serialise with a Content-Length that matches the body."""
        lines = [self.start_line()]
        lines += self.headers.lines(skip="content-length")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class Request(SipMessage):
    method: str = "OPTIONS"
    uri: str = ""

    @property
    def sip_uri(self) -> SipUri:
        return SipUri.parse(self.uri)

    def start_line(self) -> str:
        return f"{self.method} {self.uri} SIP/2.0"


@dataclass
class Response(SipMessage):
    status: int = 200
    reason: str = "OK"

    def start_line(self) -> str:
        return f"SIP/2.0 {self.status} {self.reason}"


def parse_message(data: bytes, *, stream: bool = False) -> Request | Response:
    """Parse one message. ``stream`` (TCP) requires Content-Length, as RFC 3261 §18.3 does."""
    if len(data) > MAX_MESSAGE:
        raise SipParseError("message too large", status=513)
    head, body = _split_head(data)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipParseError("header block is not UTF-8") from None
    lines = _unfold(text)
    if not lines or not lines[0]:
        raise SipParseError("empty start line")
    start = lines[0]
    method: str | None = None
    deferred: SipParseError | None = None
    if start.startswith("SIP/"):
        message: Request | Response = _status_line(start)
    else:
        message, deferred = _request_line(start)
        method = message.method
    items = _header_items(lines[1:], method)
    message.headers = Headers(items)
    try:
        if deferred is not None:
            raise deferred
        _check(message, body, stream)
    except SipParseError as exc:
        exc.method, exc.headers = method, items
        raise
    return message


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    data = data.lstrip(b"\r\n")  # RFC 3261 §7.5: ignore CRLFs before the start line
    crlf, lf = data.find(b"\r\n\r\n"), data.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf <= lf):
        return data[:crlf], data[crlf + 4 :]
    if lf >= 0:
        return data[:lf], data[lf + 2 :]
    raise SipParseError("no blank line after the headers")


def _unfold(text: str) -> list[str]:
    """Lines with continuation lines (leading SP/HT) joined to the line they continue."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.removesuffix("\r")
        if "\r" in line or "\x00" in line:
            raise SipParseError("stray CR or NUL in the header block")
        if line[:1] in (" ", "\t") and lines:
            lines[-1] = lines[-1].rstrip() + " " + line.strip()
        else:
            lines.append(line)
        if len(lines[-1]) > MAX_HEADER_LINE:
            raise SipParseError("header line too long")
        if len(lines) > MAX_HEADERS + 1:
            raise SipParseError("too many headers")
    return lines


def _status_line(line: str) -> Response:
    version, _, rest = line.partition(" ")
    code, _, reason = rest.partition(" ")
    if version != "SIP/2.0":
        raise SipParseError("unsupported SIP version in response")
    if len(code) != 3 or not is_digits(code) or not 100 <= int(code) <= 699:
        raise SipParseError(f"bad status code {code[:10]!r}")
    return Response(status=int(code), reason=reason.strip())


def _request_line(line: str) -> tuple[Request, SipParseError | None]:
    """The request, and a 505 to raise once the headers are read (so it can be answered)."""
    parts = line.split(" ")
    if len(parts) != 3:
        raise SipParseError("request line is not METHOD URI SIP/2.0")
    method, uri, version = parts
    if not is_token(method):
        raise SipParseError(f"bad method {method[:20]!r}")
    check_uri(uri)
    request = Request(method=method, uri=uri)
    if version == "SIP/2.0":
        return request, None
    if version.upper().startswith("SIP/") and is_digits(version[4:].replace(".", "", 1)):
        return request, SipParseError("SIP version not supported", status=505)
    raise SipParseError("bad SIP version", method=method)


def _header_items(lines: list[str], method: str | None) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for line in lines:
        name, colon, value = line.partition(":")
        name = name.rstrip(" \t")
        if not colon or not is_token(name):
            raise SipParseError(f"bad header line {line[:40]!r}", method=method, headers=items or None)
        items.append((name, value.strip()))
    return items


def _check(message: Request | Response, body: bytes, stream: bool) -> None:
    headers = message.headers
    for key in MANDATORY:
        if headers.get(key) is None:
            raise SipParseError(f"missing {key} header")
    if len(headers.raw("call-id")) > 1 or len(headers.raw("cseq")) > 1:
        raise SipParseError("repeated Call-ID or CSeq")
    if not message.call_id or any(c in message.call_id for c in ' \t<>"'):
        raise SipParseError("bad Call-ID")
    vias = headers.values("via")
    if not vias or len(vias) > MAX_VIAS:
        raise SipParseError("bad number of Via headers")
    for via in vias:
        Via.parse(via)
    message.from_.tag  # noqa: B018  (parse them now so later access cannot fail)
    message.to.tag  # noqa: B018
    cseq = message.cseq
    if isinstance(message, Request):
        if cseq.method != message.method:
            raise SipParseError("CSeq method does not match the request")
        max_forwards = headers.get("max-forwards")
        if max_forwards is not None and (not is_digits(max_forwards) or int(max_forwards) > 255):
            raise SipParseError("bad Max-Forwards")
        for contact in headers.values("contact"):
            if contact != "*":
                NameAddr.parse(contact)
    message.body = _body(headers, body, stream)


def _body(headers: Headers, body: bytes, stream: bool) -> bytes:
    lengths = {v.strip() for v in headers.raw("content-length")}
    if not lengths:
        if stream:
            raise SipParseError("Content-Length is required on a stream transport")
        return body
    if len(lengths) > 1:
        raise SipParseError("conflicting Content-Length headers")
    value = lengths.pop()
    if not is_digits(value) or len(value) > 6:
        raise SipParseError("bad Content-Length")
    length = int(value)
    if length > len(body):
        raise SipParseError("body shorter than Content-Length")
    return body[:length]


def response(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    body: bytes = b"",
    content_type: str | None = None,
) -> Response:
    """A response to ``request`` (RFC 3261 §8.2.6): Via, From, To, Call-ID and CSeq copied."""
    headers = Headers()
    for via in request.headers.raw("via"):
        headers.add("Via", via)
    headers.add("From", request.headers.get("from") or "")
    to = request.headers.get("to") or ""
    if to_tag and status > 100 and request.to.tag is None:
        to = str(request.to.with_tag(to_tag))
    headers.add("To", to)
    headers.add("Call-ID", request.call_id)
    headers.add("CSeq", request.headers.get("cseq") or "")
    if 100 < status < 300:
        for rr in request.headers.raw("record-route"):
            headers.add("Record-Route", rr)
    if content_type:
        headers.add("Content-Type", content_type)
    return Response(headers=headers, body=body, status=status, reason=reason or REASONS.get(status, ""))


def error_response(error: SipParseError) -> bytes | None:
    """The error answer to an unparseable request, or None when none can be sent
    (a response, an ACK, or a request whose Via/From/To/Call-ID/CSeq are unusable)."""
    if error.method is None or error.method == "ACK" or not error.headers:
        return None
    headers = Headers(error.headers)
    needed = {k: headers.raw(k) for k in MANDATORY}
    if any(len(v) == 0 for v in needed.values()):
        return None
    try:
        Via.parse(headers.values("via")[0])
    except (SipParseError, IndexError):
        return None
    out = Headers()
    for via in needed["via"]:
        out.add("Via", via)
    for key in ("from", "to", "call-id", "cseq"):
        out.add(key, needed[key][0])
    reason = "".join(c for c in error.reason if c.isprintable())[:80]
    status = error.status if error.status in (400, 413, 505, 513) else 400
    message = Response(headers=out, status=status, reason=f"{REASONS[status]} ({reason})")
    data = message.to_bytes()
    return data if len(data) < 4096 else None
