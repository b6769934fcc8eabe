"""Property tests: whatever bytes arrive, the parsers answer with a message or their own
error, never another exception; what parses serialises and parses again the same."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.adapters.telephony.sip.auth import DigestAuth, Verdict, parse_credentials
from helpline.adapters.telephony.sip.dtmf import DtmfEvent, dtmf_from_info
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.message import Request, error_response, parse_message
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket
from helpline.adapters.telephony.sip.sdp import SdpError, SessionDescription, negotiate

SEEDS = [
    b"INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1;rport\r\n"
    b'From: "A" <sip:a@b>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n'
    b"Contact: <sip:a@127.0.0.1:5061>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\n"
    b"Content-Length: 40\r\n\r\nv=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4 RTP/AVP 0\r\n",
    b"SIP/2.0 401 Unauthorized\r\nv: SIP/2.0/TCP [::1]:5061;branch=z9hG4bK2\r\nf: <sip:a@b>;tag=1\r\n"
    b't: <sip:c@d>;tag=2\r\ni: c2\r\nCSeq: 2 REGISTER\r\nWWW-Authenticate: Digest realm="r", nonce="n"\r\n'
    b"l: 0\r\n\r\n",
    b"REGISTER sip:127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\nFrom: <sip:201@h>;tag=9\n"
    b"To: <sip:201@h>\nCall-ID: r\nCSeq: 3 REGISTER\nContact: *\nExpires: 0\n\n",
]
SIP_BYTES = st.sampled_from(
    [
        b"\r\n",
        b":",
        b";",
        b",",
        b"<",
        b">",
        b'"',
        b"\\",
        b"@",
        b" ",
        b"\t",
        b"SIP/2.0",
        b"z9hG4bK",
        b"=",
        b"/",
        b"[",
        b"]",
        b"\x00",
        b"\xc3",
        "²".encode(),
        b"Content-Length: ",
        b"99999999",
        b"tag",
        b"Via: ",
        b"sip:",
    ]
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.integers(0, 4))
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == 1:
            data[pos:pos] = draw(SIP_BYTES)
        elif op == 2:
            del data[pos : pos + draw(st.integers(1, 30))]
        elif op == 3:
            data = data[:pos]
        else:
            data[pos:pos] = draw(st.binary(max_size=20))
    return bytes(data)


def check(data: bytes, stream: bool = False) -> None:
    try:
        message = parse_message(data, stream=stream)
    except SipParseError as exc:
        error_response(exc)  # must not raise either
        return
    # everything the switch reads from a parsed message must be readable
    _ = (message.call_id, message.cseq, message.from_, message.to, message.vias, message.contacts)
    if isinstance(message, Request):
        _ = message.method, message.uri
    again = parse_message(message.to_bytes(), stream=True)
    assert again.to_bytes() == message.to_bytes()


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.booleans())
def test_mutated_messages_parse_or_fail_cleanly(data: bytes, stream: bool) -> None:
    check(data, stream)


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_random_bytes_parse_or_fail_cleanly(data: bytes) -> None:
    check(data)


HEADER_NAMES = st.sampled_from(
    [
        "Via",
        "v",
        "From",
        "f",
        "To",
        "t",
        "Call-ID",
        "i",
        "CSeq",
        "Contact",
        "m",
        "Content-Length",
        "l",
        "Max-Forwards",
        "Require",
        "Record-Route",
        "X-Y",
    ]
)


@settings(max_examples=300)
@given(st.lists(st.tuples(HEADER_NAMES, st.text(max_size=60)), max_size=20), st.text(max_size=50))
def test_structured_headers_parse_or_fail_cleanly(headers: list[tuple[str, str]], body: str) -> None:
    head = "OPTIONS sip:a@b SIP/2.0\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers)
    check((head + "\r\n" + body).encode("utf-8", "surrogatepass"))


@settings(max_examples=300)
@given(st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_sdp_parser_raises_only_sdp_errors(data: bytes) -> None:
    with contextlib.suppress(SdpError):
        negotiate(SessionDescription.parse(data))


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_rtp_and_dtmf_parsers_never_raise(data: bytes) -> None:
    packet = RtpPacket.parse(data)
    if packet is not None:
        assert RtpPacket.parse(packet.to_bytes()) is not None
    event = DtmfEvent.parse(data)
    if event is not None:
        _ = event.digit


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_credentials_and_info_bodies_never_raise(text: str) -> None:
    with contextlib.suppress(SipParseError):
        parse_credentials(text)
    auth = DigestAuth("helpline", {"201": "x"}.get, lambda: 0.0)
    assert auth.verify("REGISTER", text, "10.0.0.1").verdict in set(Verdict)
    assert auth.verify("REGISTER", "Digest " + text, "10.0.0.2").verdict in set(Verdict)
    request = Request(method="INFO", uri="sip:a@b", body=text.encode("utf-8", "surrogatepass"))
    request.headers.add("Content-Type", "application/dtmf-relay")
    digit = dtmf_from_info(request)
    assert digit is None or digit in "0123456789*#ABCD"
