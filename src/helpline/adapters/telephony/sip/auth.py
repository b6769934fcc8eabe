"""Digest authentication for REGISTER and INVITE (RFC 3261 §22, RFC 2617/7616 with MD5).

Nonces are stateless: the issue time and an HMAC of it under a per-process secret, so a
forged or tampered nonce is refused and an old one is answered with ``stale=true``. The
nonce count of each nonce is remembered (bounded) so a replayed response is refused.
:class:`FailureThrottle` blocks an address after repeated failures, so a password cannot
be guessed at line rate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.uri import split_quoted, unquote

MAX_NONCES_TRACKED = 4096


class Verdict(StrEnum):
    OK = "ok"
    MISSING = "missing"  # no credentials: challenge
    STALE = "stale"  # right password, expired nonce: challenge again with stale=true
    FAILED = "failed"  # wrong password, unknown user, forged nonce, replay: 403
    BLOCKED = "blocked"  # too many failures from this address


@dataclass(frozen=True)
class AuthResult:
    verdict: Verdict
    username: str | None = None


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def parse_credentials(value: str) -> dict[str, str]:
    """``Digest username="a", realm="b", nc=00000001, ...`` into {lowercase name: value}."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise SipParseError("not a Digest credential")
    params: dict[str, str] = {}
    for part in split_quoted(rest, ","):
        name, sep, raw = part.strip().partition("=")
        if not sep:
            continue
        raw = raw.strip()
        params[name.strip().lower()] = unquote(raw) if raw.startswith('"') else raw
    return params


def digest_response(
    *,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    qop: str | None = None,
    nc: str = "",
    cnonce: str = "",
) -> str:
    """The ``response`` value a client computes (RFC 2617 §3.2.2.1)."""
    ha1 = md5(f"{username}:{realm}:{password}")
    ha2 = md5(f"{method}:{uri}")
    if qop:
        return md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return md5(f"{ha1}:{nonce}:{ha2}")


class FailureThrottle:
    """Counts failures per address; ``max_failures`` within ``window`` blocks it for ``block_for``."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        max_failures: int = 5,
        window: float = 60.0,
        block_for: float = 60.0,
        max_addresses: int = 10000,
    ) -> None:
        self.clock = clock
        self.max_failures = max_failures
        self.window = window
        self.block_for = block_for
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._blocked: dict[str, float] = {}

    def blocked(self, address: str) -> bool:
        until = self._blocked.get(address)
        if until is None:
            return False
        if self.clock() >= until:
            del self._blocked[address]
            self._failures.pop(address, None)
            return False
        return True

    def failed(self, address: str) -> None:
        now = self.clock()
        times = self._failures.pop(address, None) or deque()
        times.append(now)
        while times and times[0] < now - self.window:
            times.popleft()
        self._failures[address] = times
        if len(times) >= self.max_failures:
            self._blocked[address] = now + self.block_for
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


class DigestAuth:
    def __init__(
        self,
        realm: str,
        passwords: Callable[[str], str | None],
        clock: Callable[[], float],
        *,
        nonce_ttl: float = 300.0,
        throttle: FailureThrottle | None = None,
        secret: bytes | None = None,
    ) -> None:
        self.realm = realm
        self.passwords = passwords
        self.clock = clock
        self.nonce_ttl = nonce_ttl
        self.throttle = throttle or FailureThrottle(clock)
        self._secret = secret or secrets.token_bytes(32)
        self._counts: OrderedDict[str, int] = OrderedDict()

    # -- nonces -----------------------------------------------------------------------------

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, f"{stamp}:{self.realm}".encode(), hashlib.sha256).hexdigest()[:24]

    def make_nonce(self) -> str:
        stamp = f"{int(self.clock() * 1000):x}"
        return f"{stamp}{secrets.token_hex(4)}.{self._sign(stamp)}"

    def _nonce_state(self, nonce: str) -> Verdict:
        head, _, mac = nonce.partition(".")
        stamp = head[:-8]
        if not stamp or not hmac.compare_digest(mac, self._sign(stamp)):
            return Verdict.FAILED
        try:
            issued = int(stamp, 16) / 1000
        except ValueError:
            return Verdict.FAILED
        return Verdict.STALE if self.clock() - issued > self.nonce_ttl else Verdict.OK

    def challenge(self, *, stale: bool = False) -> str:
        """The WWW-Authenticate (or Proxy-Authenticate) value."""
        value = f'Digest realm="{self.realm}", nonce="{self.make_nonce()}", algorithm=MD5, qop="auth"'
        return value + (", stale=true" if stale else "")

    # -- verification -----------------------------------------------------------------------

    def verify(
        self, method: str, authorization: str | None, source: str, expected_user: str | None = None
    ) -> AuthResult:
        """Check an Authorization value for a request of ``method`` from ``source``.

        ``expected_user``, when given, must be the username (an agent registers its own
        extension only).
        """
        if self.throttle.blocked(source):
            return AuthResult(Verdict.BLOCKED)
        if not authorization:
            return AuthResult(Verdict.MISSING)
        try:
            creds = parse_credentials(authorization)
        except SipParseError:
            return self._fail(source, None)
        username, nonce = creds.get("username", ""), creds.get("nonce", "")
        uri, given = creds.get("uri", ""), creds.get("response", "").lower()
        if creds.get("realm") != self.realm:
            return AuthResult(Verdict.MISSING)  # credentials for someone else: challenge ours
        if creds.get("algorithm", "MD5").upper() != "MD5" or not uri or not given:
            return self._fail(source, username)
        if expected_user is not None and username != expected_user:
            return self._fail(source, username)
        password = self.passwords(username)
        nonce_state = self._nonce_state(nonce)
        if password is None or nonce_state is Verdict.FAILED:
            return self._fail(source, username)
        qop = creds.get("qop")
        if qop not in (None, "auth"):
            return self._fail(source, username)
        nc, cnonce = creds.get("nc", ""), creds.get("cnonce", "")
        expected = digest_response(
            username=username,
            realm=self.realm,
            password=password,
            method=method,
            uri=uri,
            nonce=nonce,
            qop=qop,
            nc=nc,
            cnonce=cnonce,
        )
        if not hmac.compare_digest(expected, given):
            return self._fail(source, username)
        if nonce_state is Verdict.STALE:
            return AuthResult(Verdict.STALE, username)
        if qop and not self._fresh_count(nonce, nc):
            return self._fail(source, username)
        self.throttle.succeeded(source)
        return AuthResult(Verdict.OK, username)

    def _fresh_count(self, nonce: str, nc: str) -> bool:
        try:
            count = int(nc, 16)
        except ValueError:
            return False
        if count <= self._counts.get(nonce, 0):
            return False
        self._counts[nonce] = count
        self._counts.move_to_end(nonce)
        while len(self._counts) > MAX_NONCES_TRACKED:
            self._counts.popitem(last=False)
        return True

    def _fail(self, source: str, username: str | None) -> AuthResult:
        self.throttle.failed(source)
        return AuthResult(Verdict.FAILED, username)
