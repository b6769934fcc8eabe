"""Use cases for tenants and users: create, change, list, sign in.

They take an ``AsyncSession`` and leave committing to the caller (one request, one
transaction); hashing runs in a worker thread because argon2 is deliberately slow.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.people import TenantRepository, UserRepository
from helpline.adapters.db.tables.people import Tenant, User
from helpline.app.people.security import ROLES, NotAuthenticated, Passwords
from helpline.app.people.user_cache import forget_user
from helpline.domain.errors import DomainError, Forbidden, Invalid, NotFound

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
TENANT_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
BAD_LOGIN = "wrong username or password"


def normalize_username(username: str) -> str:
    """Usernames compare case-insensitively: ``Alice`` and ``alice`` are one account."""
    return username.strip().lower()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid("invalid_role", f"role must be one of {', '.join(ROLES)}", field="role")


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(
            "invalid_password",
            f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            field="password",
        )


async def create_tenant(session: AsyncSession, *, tenant_id: str, name: str, locale: str = "zh-CN") -> Tenant:
    """Register a tenant. Its id is a short slug used in URLs and sign-in forms."""
    if not TENANT_ID_RE.match(tenant_id):
        raise Invalid(
            "invalid_tenant_id",
            "tenant id: 1-32 lower-case letters, digits or '-'",
            field="id",
        )
    if not name.strip():
        raise Invalid("invalid_name", "name must not be empty", field="name")
    repo = TenantRepository(session)
    if await repo.get(tenant_id) is not None:
        raise DomainError("tenant_exists", f"tenant {tenant_id!r} already exists", id=tenant_id)
    try:
        return await repo.add(Tenant(id=tenant_id, name=name.strip(), locale=locale, settings={}))
    except IntegrityError as exc:  # created concurrently
        raise DomainError("tenant_exists", f"tenant {tenant_id!r} already exists") from exc


async def list_tenants(session: AsyncSession) -> Sequence[Tenant]:
    return await TenantRepository(session).list()


async def create_user(
    session: AsyncSession,
    passwords: Passwords,
    *,
    tenant_id: str,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    locale: str | None = None,
) -> User:
    """Add a user to a tenant. A taken username is ``username_taken``; nothing is written."""
    username = normalize_username(username)
    if not USERNAME_RE.match(username):
        raise Invalid(
            "invalid_username",
            "username: 1-64 letters, digits or . _ @ -, starting with a letter or digit",
            field="username",
        )
    _check_role(role)
    _check_password(password)
    if await TenantRepository(session).get(tenant_id) is None:
        raise NotFound("tenant_not_found", f"no tenant {tenant_id!r}", tenant=tenant_id)
    users = UserRepository(session, tenant_id)
    if await users.by_username(username) is not None:
        raise DomainError("username_taken", f"username {username!r} is taken", field="username")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=await asyncio.to_thread(passwords.hash, password),
        role=role,
        locale=locale or None,
        is_active=True,
    )
    try:
        return await users.add(user)
    except IntegrityError as exc:  # the same name added concurrently
        raise DomainError("username_taken", f"username {username!r} is taken") from exc


async def get_user(session: AsyncSession, tenant_id: str, user_id: str) -> User:
    user = await UserRepository(session, tenant_id).get(user_id)
    if user is None:
        raise NotFound("user_not_found", "no such user", id=user_id)
    return user


async def list_users(session: AsyncSession, tenant_id: str, *, role: str | None = None) -> Sequence[User]:
    return await UserRepository(session, tenant_id).list(role=role)


@dataclass(frozen=True)
class UserChanges:
    """A partial update; ``None`` leaves a field alone, ``locale=""`` clears the locale."""

    display_name: str | None = None
    role: str | None = None
    locale: str | None = None
    is_active: bool | None = None
    password: str | None = None


async def update_user(
    session: AsyncSession,
    passwords: Passwords,
    *,
    tenant_id: str,
    user_id: str,
    changes: UserChanges,
    actor_id: str | None = None,
) -> User:
    """Apply ``changes``. Nobody may change their own role or deactivate themselves, so a
    tenant cannot lose its last administrator by a slip."""
    user = await get_user(session, tenant_id, user_id)
    if actor_id == user.id and (
        (changes.role is not None and changes.role != user.role) or changes.is_active is False
    ):
        raise Forbidden("cannot_change_own_access", "you cannot change your own role or status")
    if changes.role is not None:
        _check_role(changes.role)
        user.role = changes.role
    if changes.display_name is not None:
        if not changes.display_name.strip():
            raise Invalid("invalid_name", "display name must not be empty", field="display_name")
        user.display_name = changes.display_name.strip()
    if changes.locale is not None:
        user.locale = changes.locale or None
    if changes.is_active is not None:
        user.is_active = changes.is_active
    if changes.password is not None:
        _check_password(changes.password)
        user.password_hash = await asyncio.to_thread(passwords.hash, changes.password)
    await session.flush()
    if changes.role is not None or changes.is_active is not None:
        _forget_when_committed(session, user.tenant_id, user.id)
    return user


def _forget_when_committed(session: AsyncSession, tenant_id: str, user_id: str) -> None:
    """Signed-in users are cached for a few seconds (:mod:`helpline.app.people.user_cache`): drop this
    one now and again at commit, so no request in between keeps the old role."""
    forget_user(tenant_id, user_id)
    event.listen(session.sync_session, "after_commit", lambda _s: forget_user(tenant_id, user_id), once=True)


async def authenticate(
    session: AsyncSession, passwords: Passwords, *, tenant_id: str, username: str, password: str
) -> User:
    """The user whose credentials these are. Unknown tenant, unknown user and wrong password
    give the same error (and cost the same time), so sign-in does not reveal who exists."""
    user = await UserRepository(session, tenant_id).by_username(normalize_username(username))
    if user is None:
        await asyncio.to_thread(passwords.verify, passwords.dummy_hash, password)
        raise NotAuthenticated("bad_credentials", BAD_LOGIN)
    if not await asyncio.to_thread(passwords.verify, user.password_hash, password):
        raise NotAuthenticated("bad_credentials", BAD_LOGIN)
    if not user.is_active:
        raise NotAuthenticated("user_inactive", "this account is disabled")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(passwords.hash, password)
        await session.flush()
    return user
