"""The SIP parser on torture cases in the spirit of RFC 4475 (written for Helpline): what
must parse, to what, and what must be refused, with which answer."""

from __future__ import annotations

import pytest

from helpline.adapters.telephony.sip.headers import CSeq, Headers, Via
from helpline.adapters.telephony.sip.message import (
    MAX_MESSAGE,
    Request,
    Response,
    error_response,
    parse_message,
    response,
)
from helpline.adapters.telephony.sip.message import SipParseError as Err
from helpline.adapters.telephony.sip.uri import NameAddr, SipUri


def msg(*lines: str, body: str = "") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


BASIC = [
    "OPTIONS sip:100@example.com SIP/2.0",
    "Via: SIP/2.0/UDP host.example.com:5060;branch=z9hG4bK776",
    "From: <sip:alice@example.com>;tag=1928",
    "To: <sip:100@example.com>",
    "Call-ID: a84b4c76e66710",
    "CSeq: 63104 OPTIONS",
    "Max-Forwards: 70",
]


def with_lines(*replace: tuple[int, str | None], extra: tuple[str, ...] = ()) -> list[str]:
    lines: list[str | None] = list(BASIC)
    for index, line in replace:
        lines[index] = line
    return [line for line in lines if line is not None] + list(extra)


def parse_request(data: bytes) -> Request:
    message = parse_message(data)
    assert isinstance(message, Request)
    return message


# -- messages that must parse ---------------------------------------------------------------


def test_a_tortuous_but_valid_invite() -> None:
    """After RFC 4475 §3.1.1.1 (wsinv): odd spacing, folding, case, escapes, empty values."""
    body = (
        "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\n"
        "t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n"
    )
    data = msg(
        "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0",
        "TO :",
        " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
        'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>',
        "  ;",
        "  tag = 98asjd8",
        "MaX-fOrWaRdS: 0068",
        "Call-ID: wsinv.ndaksdj@192.0.2.1",
        f"Content-Length   : {len(body)}",
        "cseq: 0009",
        "  INVITE",
        "Via  : SIP  /   2.0",
        " /UDP",
        "    192.0.2.2;branch=390skdjuw",
        "s :",
        "NewFangledHeader:   newfangled value",
        " continued newfangled value",
        "UnknownHeaderWithUnusualValue: ;;,,;;,;",
        "Content-Type: application/sdp",
        "v:  SIP/2.0/TCP     spindle.example.com   ;",
        "  branch  =   z9hG4bK9ikj8  ,",
        " SIP  /    2.0   / UDP  192.168.255.111   ; branch=",
        " z9hG4bK30239",
        'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =',
        "      newvalue ;",
        "  secondparam ; q = 0.33",
        body=body,
    )
    request = parse_request(data)
    assert request.to.tag == "1918181833n" and request.to.uri == "sip:vivekg@chair-dnrc.example.com"
    assert request.from_.display == 'J Rosenberg \\"' and request.from_.tag == "98asjd8"
    assert request.cseq == CSeq(9, "INVITE") and request.headers.get("max-forwards") == "0068"
    assert [(v.transport, v.host, v.branch) for v in request.vias] == [
        ("UDP", "192.0.2.2", "390skdjuw"),
        ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
        ("UDP", "192.168.255.111", "z9hG4bK30239"),
    ]
    assert request.headers.get("subject") == ""
    assert request.headers.get("newfangledheader") == "newfangled value continued newfangled value"
    [contact] = request.contacts
    assert contact.display == 'Quoted string ""' and contact.params == {
        "newparam": "newvalue",
        "secondparam": None,
        "q": "0.33",
    }
    assert request.body == body.encode()


def test_folding_compact_forms_and_case() -> None:
    data = msg(
        "INVITE sip:100@example.com SIP/2.0",
        "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bK2",
        "VIA: SIP/2.0/UDP c.example.com:5070;received=192.0.2.7;rport=5071;branch=z9hG4bK3",
        'f: "Bob \\"the\\" Builder" <sip:bob@example.com>;tag=a1',
        "t: sip:100@example.com",
        "i: call-1@example.com",
        "cseq: 7",
        "  INVITE",
        "X-Folded: one",
        "\ttwo",
        "   three",
        "m: <sip:bob@[2001:db8::1]:5062;transport=tcp>;expires=60, <sip:bob2@b.example.com>",
        "l: 4",
        body="abcdEXTRA",
    )
    request = parse_request(data)
    assert [v.host for v in request.vias] == ["a.example.com", "[2001:db8::9]", "c.example.com"]
    assert request.vias[1].port == 5061 and request.vias[2].params["rport"] == "5071"
    assert request.from_.display == 'Bob "the" Builder' and request.from_.tag == "a1"
    assert request.to.uri == "sip:100@example.com" and request.to.tag is None
    assert request.cseq == CSeq(7, "INVITE")
    assert request.headers.get("x-folded") == "one two three"
    assert [c.uri for c in request.contacts] == [
        "sip:bob@[2001:db8::1]:5062;transport=tcp",
        "sip:bob2@b.example.com",
    ]
    assert request.contacts[0].params == {"expires": "60"}
    assert request.body == b"abcd"  # bytes beyond Content-Length are discarded (§18.3)


def test_lf_line_endings_and_leading_crlf_are_tolerated() -> None:
    data = ("\r\n\r\n" + "\n".join(BASIC) + "\nContent-Length: 0\n\n").encode()
    request = parse_request(data)
    assert request.method == "OPTIONS" and request.call_id == "a84b4c76e66710"


def test_response_and_its_reason_phrase() -> None:
    data = msg("SIP/2.0 486 Busy Here, try later", *BASIC[1:6])
    response_ = parse_message(data)
    assert isinstance(response_, Response)
    assert (response_.status, response_.reason) == (486, "Busy Here, try later")


def test_unknown_method_and_tel_uri_parse() -> None:
    request = parse_request(msg("NEWMETHOD tel:+1-201-555-0123 SIP/2.0", *BASIC[1:5], "CSeq: 1 NEWMETHOD"))
    assert request.method == "NEWMETHOD" and request.uri == "tel:+1-201-555-0123"


def test_escaped_user_and_semicolon_in_user_part() -> None:
    uri = SipUri.parse("sip:+1%20555;phone-context=x@example.com:5070;user=phone?Subject=hi")
    assert (uri.user, uri.host, uri.port) == ("+1%20555;phone-context=x", "example.com", 5070)
    assert uri.params == {"user": "phone"} and uri.headers == "Subject=hi"
    assert str(uri) == "sip:+1%20555;phone-context=x@example.com:5070;user=phone?Subject=hi"


def test_name_addr_forms() -> None:
    assert NameAddr.parse("sip:a@b;tag=x").params == {"tag": "x"}  # addr-spec: params are the header's
    assert NameAddr.parse("<sip:a@b;lr>;tag=x").uri == "sip:a@b;lr"
    unquoted = NameAddr.parse("Alice Smith <sip:a@b>")
    assert unquoted.display == "Alice Smith"
    assert str(NameAddr.parse('"A \\"q\\"" <sip:a@b>;tag=1')) == '"A \\"q\\"" <sip:a@b>;tag=1'


# -- messages that must be refused ----------------------------------------------------------

UNANSWERABLE = {  # without these headers (or a usable top Via) no response can be built
    "missing Call-ID": with_lines((4, None)),
    "missing Via": with_lines((1, None)),
    "missing From": with_lines((2, None)),
    "port out of range": with_lines((1, "Via: SIP/2.0/UDP host:99999;branch=z9hG4bK1")),
    "bad Via protocol": with_lines((1, "Via: SIP/3.0/UDP host;branch=z9hG4bK1")),
}
REFUSED = {
    "CSeq method mismatch": with_lines((5, "CSeq: 1 INVITE")),
    "CSeq too large": with_lines((5, "CSeq: 4294967296 OPTIONS")),
    "CSeq with superscript digit": with_lines((5, "CSeq: ² OPTIONS")),
    "Max-Forwards not a number": with_lines((6, "Max-Forwards: ten")),
    "Max-Forwards too big": with_lines((6, "Max-Forwards: 99999999999")),
    "negative Content-Length": with_lines(extra=("Content-Length: -1",)),
    "conflicting Content-Length": with_lines(extra=("Content-Length: 0", "l: 1")),
    "unterminated quoted display name": with_lines((2, 'From: "Alice <sip:a@b>;tag=1')),
    "unclosed angle bracket": with_lines((3, "To: <sip:100@example.com")),
    "header without colon": with_lines(extra=("JustAWord",)),
    "space in header name": with_lines(extra=("Bad Name: x",)),
    "repeated Call-ID": with_lines(extra=("i: other",)),
    "empty host in From": with_lines((2, "From: <sip:a@>;tag=1")),
}


@pytest.mark.parametrize("lines", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_a_400(lines: list[str]) -> None:
    with pytest.raises(Err) as caught:
        parse_message(msg(*lines))
    answer = error_response(caught.value)
    assert answer is not None and answer.startswith(b"SIP/2.0 400 Bad Request")
    assert b"Via: SIP/2.0/UDP host.example.com:5060;branch=z9hG4bK776" in answer


@pytest.mark.parametrize("lines", UNANSWERABLE.values(), ids=UNANSWERABLE.keys())
def test_refused_and_dropped(lines: list[str]) -> None:
    with pytest.raises(Err) as caught:
        parse_message(msg(*lines))
    assert error_response(caught.value) is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n",  # headers never end
        b"INVITE  sip:a@b SIP/2.0\r\n\r\n",  # two spaces in the request line
        b"INVITE sip:a b SIP/2.0\r\n\r\n",
        b"INV\xffITE sip:a@b SIP/2.0\r\n\r\n",
        b"SIP/2.0 99 Too Low\r\n\r\n",
        b"SIP/2.0 OK\r\n\r\n",
        b"SIP/1.0 200 OK\r\n\r\n",
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\x00y\r\n\r\n",
        b"<html><body>hello</body></html>\r\n\r\n",
    ],
)
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(Err):
        parse_message(data)


def test_wrong_version_is_505_and_oversize_is_513() -> None:
    with pytest.raises(Err) as caught:
        parse_message(msg("OPTIONS sip:a@b SIP/7.0", *BASIC[1:]))
    assert caught.value.status == 505
    assert (error_response(caught.value) or b"").startswith(b"SIP/2.0 505")
    with pytest.raises(Err) as caught:
        parse_message(b"X" * (MAX_MESSAGE + 1))
    assert caught.value.status == 513 and error_response(caught.value) is None


def test_body_shorter_than_content_length_gets_400() -> None:
    with pytest.raises(Err) as caught:
        parse_message(msg(*BASIC, "Content-Length: 10", body="abc"))
    answer = error_response(caught.value)
    assert answer is not None and answer.startswith(b"SIP/2.0 400")
    assert b"Call-ID: a84b4c76e66710" in answer and b"CSeq: 63104 OPTIONS" in answer


def test_stream_requires_content_length() -> None:
    with pytest.raises(Err):
        parse_message(msg(*BASIC), stream=True)
    assert parse_request(msg(*BASIC)).body == b""  # a datagram may leave it out


def test_huge_header_and_too_many_headers() -> None:
    with pytest.raises(Err, match="too long"):
        parse_message(msg(*BASIC, "X-Big: " + "a" * 5000))
    with pytest.raises(Err, match="too many"):
        parse_message(msg(*BASIC, *(f"X-{i}: v" for i in range(200))))


def test_no_answer_to_a_broken_ack_or_response() -> None:
    with pytest.raises(Err) as caught:
        parse_message(msg("ACK sip:a@b SIP/2.0", *BASIC[1:5], "CSeq: 1 ACK", "Content-Length: 9"))
    assert error_response(caught.value) is None
    with pytest.raises(Err) as caught:
        parse_message(msg("SIP/2.0 200 OK", *BASIC[1:5], "CSeq: x"))
    assert error_response(caught.value) is None


# -- building -------------------------------------------------------------------------------


def test_response_copies_what_it_must_and_tags_to() -> None:
    request = parse_request(
        msg(*BASIC, "Record-Route: <sip:p1;lr>, <sip:p2;lr>", "Via: SIP/2.0/TCP x;branch=z9hG4bK2")
    )
    answer = response(request, 180, to_tag="t1")
    assert answer.headers.raw("via") == request.headers.raw("via")
    assert answer.to.tag == "t1" and answer.from_.tag == "1928" and answer.call_id == request.call_id
    assert answer.headers.values("record-route") == ["<sip:p1;lr>", "<sip:p2;lr>"]
    assert response(request, 100, to_tag="t1").to.tag is None  # 100 Trying carries no tag
    again = parse_message(answer.to_bytes())
    assert isinstance(again, Response) and again.status == 180 and again.reason == "Ringing"


def test_serialise_and_parse_again_is_stable() -> None:
    request = parse_request(msg(*BASIC, "Content-Type: text/plain", "l: 5", body="hello"))
    data = request.to_bytes()
    again = parse_request(data)
    assert again.to_bytes() == data and again.body == b"hello"
    assert b"Content-Length: 5\r\n" in data


def test_headers_container() -> None:
    headers = Headers([("v", "SIP/2.0/UDP a;branch=z9hG4bK1"), ("Contact", '"a,b" <sip:x@y>, <sip:z@w>')])
    assert headers.get("VIA") == "SIP/2.0/UDP a;branch=z9hG4bK1"
    assert headers.values("m") == ['"a,b" <sip:x@y>', "<sip:z@w>"]  # a comma in quotes is not a split
    headers.replace_first("via", "SIP/2.0/UDP b;branch=z9hG4bK2")
    assert Via.parse(headers.values("via")[0]).host == "b"
    headers.set("Contact", "<sip:only@one>")
    assert headers.raw("contact") == ["<sip:only@one>"]
    assert [name for name, _ in headers] == ["Via", "Contact"]


def test_header_names_are_normalised_once_and_lookups_stay_exact() -> None:
    """Names are keyed when added (the profile's hot spot was re-normalising on every get);
    every mutation keeps the keys right, and the wire spelling is canonical."""
    headers = Headers([("cAlL-iD", "x@y"), ("f", "<sip:a@b>;tag=1"), ("V", "SIP/2.0/UDP a;branch=z9hG4bK1")])
    headers.prepend("v", "SIP/2.0/UDP top;branch=z9hG4bK0")
    headers.add("X-Custom-Header", "1")
    assert [n for n, _ in headers] == ["Via", "Call-ID", "From", "Via", "X-Custom-Header"]
    assert headers.get("i") == headers.get("CALL-ID") == "x@y" and "from" in headers
    assert headers.values("via") == ["SIP/2.0/UDP top;branch=z9hG4bK0", "SIP/2.0/UDP a;branch=z9hG4bK1"]
    headers.replace_first("VIA", "SIP/2.0/UDP new;branch=z9hG4bK9")
    assert headers.raw("v")[0].startswith("SIP/2.0/UDP new") and len(headers.raw("via")) == 2
    headers.set("x-custom-header", "2")
    headers.remove("F")
    assert headers.get("from") is None and headers.get("x-CUSTOM-header") == "2" and len(headers) == 4
    copy = headers.copy()
    copy.remove("via")
    assert len(headers.raw("via")) == 2 and copy.raw("via") == []
    assert headers.lines(skip="via") == ["Call-ID: x@y", "X-Custom-Header: 2"]
    # a quoted string without a comma is still checked (an unterminated quote is an error)
    with pytest.raises(Err):
        Headers([("Contact", '"unterminated <sip:a@b>')]).values("contact")
