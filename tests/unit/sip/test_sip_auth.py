"""Digest authentication (nonces, replay, stale), the failure throttle and the registrar."""

from __future__ import annotations

import pytest

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.auth import (
    DigestAuth,
    FailureThrottle,
    Verdict,
    digest_response,
    parse_credentials,
)
from helpline.adapters.telephony.sip.message import Request, parse_message
from helpline.adapters.telephony.sip.registrar import RegisterError, Registrar


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(clock: Clock) -> DigestAuth:
    return DigestAuth(
        "helpline",
        {"201": "secret", "202": "other"}.get,
        clock,
        nonce_ttl=300,
        throttle=FailureThrottle(clock, max_failures=3, window=60, block_for=120),
    )


def test_rfc_2617_example() -> None:
    assert (
        digest_response(
            username="Mufasa",
            realm="testrealm@host.com",
            password="Circle Of Life",
            method="GET",
            uri="/dir/index.html",
            nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
            qop="auth",
            nc="00000001",
            cnonce="0a4f113b",
        )
        == "6629fae49393a05397450978507c4ef1"
    )


def credentials(
    auth: DigestAuth,
    *,
    user: str = "201",
    password: str = "secret",
    nc: str = "00000001",
    qop: bool = True,
    nonce: str | None = None,
    realm: str = "helpline",
) -> str:
    challenge = parse_credentials(auth.challenge())
    nonce = nonce or challenge["nonce"]
    uri = "sip:127.0.0.1"
    if qop:
        answer = digest_response(
            username=user,
            realm=realm,
            password=password,
            method="REGISTER",
            uri=uri,
            nonce=nonce,
            qop="auth",
            nc=nc,
            cnonce="abc",
        )
        return (
            f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{answer}", algorithm=MD5, qop=auth, nc={nc}, cnonce="abc"'
        )
    answer = digest_response(
        username=user, realm=realm, password=password, method="REGISTER", uri=uri, nonce=nonce
    )
    return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{answer}"'


def test_challenge_offers_md5_with_qop(auth: DigestAuth) -> None:
    params = parse_credentials(auth.challenge(stale=True))
    assert params["realm"] == "helpline" and params["qop"] == "auth" and params["stale"] == "true"
    assert params["algorithm"] == "MD5" and "." in params["nonce"]


def test_right_password_with_and_without_qop(auth: DigestAuth) -> None:
    assert auth.verify("REGISTER", credentials(auth), "10.0.0.1").verdict is Verdict.OK
    result = auth.verify("REGISTER", credentials(auth, qop=False), "10.0.0.1", expected_user="201")
    assert result.verdict is Verdict.OK and result.username == "201"


@pytest.mark.parametrize("case", ["wrong_password", "unknown_user", "forged_nonce", "other_user"])
def test_failures(auth: DigestAuth, case: str) -> None:
    value = {
        "wrong_password": credentials(auth, password="guess"),
        "unknown_user": credentials(auth, user="999"),
        "forged_nonce": credentials(auth, nonce="18c5a0b1d2e3f4.deadbeefdeadbeefdeadbeef"),
        "other_user": credentials(auth, user="202", password="other"),
    }[case]
    assert auth.verify("REGISTER", value, "10.0.0.1", expected_user="201").verdict is Verdict.FAILED


def test_missing_or_foreign_realm_is_challenged(auth: DigestAuth) -> None:
    assert auth.verify("REGISTER", None, "10.0.0.1").verdict is Verdict.MISSING
    foreign = credentials(auth, realm="elsewhere")
    assert auth.verify("REGISTER", foreign, "10.0.0.1").verdict is Verdict.MISSING


def test_a_replayed_nonce_count_is_refused(auth: DigestAuth) -> None:
    value = credentials(auth)
    assert auth.verify("REGISTER", value, "10.0.0.1").verdict is Verdict.OK
    assert auth.verify("REGISTER", value, "10.0.0.1").verdict is Verdict.FAILED
    nonce = parse_credentials(value)["nonce"]
    assert (
        auth.verify("REGISTER", credentials(auth, nonce=nonce, nc="00000002"), "10.0.0.1").verdict
        is Verdict.OK
    )


def test_an_old_nonce_is_stale_not_wrong(auth: DigestAuth, clock: Clock) -> None:
    value = credentials(auth)
    clock.now += 301
    assert auth.verify("REGISTER", value, "10.0.0.1").verdict is Verdict.STALE
    clock.now += 1
    assert auth.verify("REGISTER", credentials(auth, password="bad"), "10.0.0.1").verdict is Verdict.FAILED


def test_repeated_failures_block_the_address_for_a_while(auth: DigestAuth, clock: Clock) -> None:
    for _ in range(3):
        assert auth.verify("REGISTER", credentials(auth, password="x"), "10.0.0.9").verdict is Verdict.FAILED
    assert auth.verify("REGISTER", credentials(auth), "10.0.0.9").verdict is Verdict.BLOCKED
    assert auth.verify("REGISTER", credentials(auth), "10.0.0.8").verdict is Verdict.OK  # others unaffected
    clock.now += 121
    assert auth.verify("REGISTER", credentials(auth), "10.0.0.9").verdict is Verdict.OK


def test_failures_spread_out_do_not_block(clock: Clock) -> None:
    throttle = FailureThrottle(clock, max_failures=3, window=60, block_for=120)
    for _ in range(5):
        throttle.failed("10.0.0.1")
        clock.now += 31
    assert not throttle.blocked("10.0.0.1")
    throttle.failed("10.0.0.1")
    throttle.succeeded("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert not throttle.blocked("10.0.0.1")


# -- registrar ---------------------------------------------------------------------------------

SOURCE = Address("192.0.2.5", 40000, "UDP")


def register(contact: str, *, cseq: int = 1, call_id: str = "reg-1", expires: str | None = "120") -> Request:
    extra = f"Expires: {expires}\r\n" if expires is not None else ""
    data = (
        f"REGISTER sip:helpline SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.5:40000;branch=z9hG4bK{cseq}\r\n"
        f"From: <sip:201@helpline>;tag=f\r\nTo: <sip:201@helpline>\r\nCall-ID: {call_id}\r\n"
        f"CSeq: {cseq} REGISTER\r\nContact: {contact}\r\n{extra}Content-Length: 0\r\n\r\n"
    ).encode()
    message = parse_message(data)
    assert isinstance(message, Request)
    return message


def test_register_lookup_expire(clock: Clock) -> None:
    registrar = Registrar(clock)
    [binding] = registrar.register(register("<sip:201@10.0.0.5:5062>"), "201", SOURCE)
    assert binding.contact == "sip:201@10.0.0.5:5062" and binding.source == SOURCE
    assert binding.remaining(clock.now) == 120
    clock.now += 119
    assert registrar.lookup("201")
    clock.now += 2
    assert registrar.lookup("201") == [] and registrar.count() == 0


def test_contact_expires_param_cap_and_minimum(clock: Clock) -> None:
    registrar = Registrar(clock, min_expires=60, max_expires=3600)
    [binding] = registrar.register(register("<sip:201@h>;expires=99999", expires=None), "201", SOURCE)
    assert binding.remaining(clock.now) == 3600
    with pytest.raises(RegisterError) as caught:
        registrar.register(register("<sip:201@h>;expires=10", cseq=2), "201", SOURCE)
    assert caught.value.status == 423 and caught.value.headers == [("Min-Expires", "60")]


def test_unregister_one_and_all(clock: Clock) -> None:
    registrar = Registrar(clock)
    registrar.register(register("<sip:201@a>"), "201", SOURCE)
    registrar.register(register("<sip:201@b>", call_id="reg-2"), "201", SOURCE)
    assert len(registrar.lookup("201")) == 2
    registrar.register(register("<sip:201@a>", cseq=2, expires="0"), "201", SOURCE)
    assert [b.contact for b in registrar.lookup("201")] == ["sip:201@b"]
    with pytest.raises(RegisterError):
        registrar.register(register("*", cseq=3, expires="60"), "201", SOURCE)  # * needs Expires: 0
    assert registrar.register(register("*", cseq=4, expires="0"), "201", SOURCE) == []


def test_out_of_order_register_is_refused(clock: Clock) -> None:
    registrar = Registrar(clock)
    registrar.register(register("<sip:201@a>", cseq=5), "201", SOURCE)
    with pytest.raises(RegisterError) as caught:
        registrar.register(register("<sip:201@a>", cseq=4), "201", SOURCE)
    assert caught.value.status == 500
