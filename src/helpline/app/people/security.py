"""Passwords (argon2id) and bearer tokens (HS256 JWT), and the role ladder.

argon2id is the current recommendation for password storage (RFC 9106); a JWT lets any node
check a request without a session store, and it carries only ids and the role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

import jwt
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from helpline.domain.errors import DomainError
from helpline.domain.people.accounts import ROLES

ROLE_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES, start=1)}
JWT_ALGORITHM = "HS256"


class NotAuthenticated(DomainError):
    """No credentials, bad credentials, or an expired token: the web layer answers 401."""

    kind = "not_authenticated"


def role_at_least(role: str, needed: str) -> bool:
    """Whether ``role`` ranks at or above ``needed`` (an unknown role ranks below everything)."""
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[needed]


class Passwords:
    """Hashes and checks passwords. ``profile="fast"`` is for tests only."""

    def __init__(self, profile: str = "standard") -> None:
        params = profiles.CHEAPEST if profile == "fast" else profiles.RFC_9106_LOW_MEMORY
        self._hasher = PasswordHasher.from_parameters(params)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    @cached_property
    def dummy_hash(self) -> str:
        """Checked against when the user does not exist, so both failures cost the same time."""
        return self._hasher.hash("not a password of anyone")

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters (e.g. after raising the cost)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True


@dataclass(frozen=True)
class TokenClaims:
    """What a bearer token says: who (``sub``), in which tenant (``tid``), with what role."""

    user_id: str
    tenant_id: str
    role: str
    expires_at: datetime


def issue_token(
    secret: str, *, user_id: str, tenant_id: str, role: str, ttl: timedelta, now: datetime
) -> str:
    """A signed token valid from ``now`` for ``ttl``."""
    claims = {
        "sub": user_id,
        "tid": tenant_id,
        "role": role,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def decode_token(secret: str, token: str) -> TokenClaims:
    """Check signature and expiry; raise :class:`NotAuthenticated` on anything wrong."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "sub", "tid", "role"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("token_expired", "the token has expired") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("invalid_token", "the token is not valid") from exc
    return TokenClaims(
        user_id=str(claims["sub"]),
        tenant_id=str(claims["tid"]),
        role=str(claims["role"]),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )
