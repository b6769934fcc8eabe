"""Use cases for tenants and users: create, change, list, sign in.

They work in the caller's unit of work and commit it when they change something; hashing runs
in a worker thread because argon2 is deliberately slow.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

from helpline.app.people.ports import PeopleUnit
from helpline.app.people.security import NotAuthenticated, Passwords
from helpline.app.people.user_cache import forget_user
from helpline.domain.errors import DomainError, Forbidden, Invalid, NotFound
from helpline.domain.people.accounts import ROLES, Tenant, User

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


@dataclass(frozen=True)
class FirstAdmin:
    """The administrator a new tenant is created with."""

    username: str
    password: str


async def create_tenant(
    uow: PeopleUnit,
    passwords: Passwords,
    *,
    tenant_id: str,
    name: str,
    locale: str = "zh-CN",
    admin: FirstAdmin | None = None,
) -> Tenant:
    """Register a tenant (its id is a short slug used in URLs and sign-in forms) and, when
    given, its first administrator: both or neither. Commits."""
    if not TENANT_ID_RE.match(tenant_id):
        raise Invalid(
            "invalid_tenant_id",
            "tenant id: 1-32 lower-case letters, digits or '-'",
            field="id",
        )
    if not name.strip():
        raise Invalid("invalid_name", "name must not be empty", field="name")
    if await uow.tenants.get(tenant_id) is not None:
        raise DomainError("tenant_exists", f"tenant {tenant_id!r} already exists", id=tenant_id)
    tenant = await uow.tenants.add(Tenant(id=tenant_id, name=name.strip(), locale=locale))
    if admin is not None:
        user = await _new_user(passwords, tenant_id, admin.username, admin.password, "admin", "", None)
        await uow.users_of(tenant_id).add(user)
    await uow.commit()
    return tenant


async def list_tenants(uow: PeopleUnit) -> Sequence[Tenant]:
    return await uow.tenants.list()


async def create_user(
    uow: PeopleUnit,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    locale: str | None = None,
) -> User:
    """:func:`add_user`, committed."""
    user = await add_user(
        uow,
        passwords,
        username=username,
        password=password,
        role=role,
        display_name=display_name,
        locale=locale,
    )
    await uow.commit()
    return user


async def add_user(
    uow: PeopleUnit,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    locale: str | None = None,
) -> User:
    """Add a user to the unit's tenant, not yet committed (the demo data adds many in one
    transaction). A taken username is ``username_taken``; nothing is written."""
    if await uow.tenants.get(uow.tenant_id) is None:
        raise NotFound("tenant_not_found", f"no tenant {uow.tenant_id!r}", tenant=uow.tenant_id)
    user = await _new_user(passwords, uow.tenant_id, username, password, role, display_name, locale)
    if await uow.users.by_username(user.username) is not None:
        raise DomainError("username_taken", f"username {user.username!r} is taken", field="username")
    return await uow.users.add(user)


async def _new_user(
    passwords: Passwords,
    tenant_id: str,
    username: str,
    password: str,
    role: str,
    display_name: str,
    locale: str | None,
) -> User:
    """A checked, not yet stored user (the password hashed)."""
    username = normalize_username(username)
    if not USERNAME_RE.match(username):
        raise Invalid(
            "invalid_username",
            "username: 1-64 letters, digits or . _ @ -, starting with a letter or digit",
            field="username",
        )
    _check_role(role)
    _check_password(password)
    return User(
        id="",
        tenant_id=tenant_id,
        username=username,
        display_name=display_name.strip() or username,
        password_hash=await asyncio.to_thread(passwords.hash, password),
        role=role,
        locale=locale or None,
        is_active=True,
    )


async def get_user(uow: PeopleUnit, user_id: str) -> User:
    user = await uow.users.get(user_id)
    if user is None:
        raise NotFound("user_not_found", "no such user", id=user_id)
    return user


async def list_users(uow: PeopleUnit, *, role: str | None = None) -> Sequence[User]:
    return await uow.users.list(role=role)


@dataclass(frozen=True)
class UserChanges:
    """A partial update; ``None`` leaves a field alone, ``locale=""`` clears the locale."""

    display_name: str | None = None
    role: str | None = None
    locale: str | None = None
    is_active: bool | None = None
    password: str | None = None


async def update_user(
    uow: PeopleUnit,
    passwords: Passwords,
    *,
    user_id: str,
    changes: UserChanges,
    actor_id: str | None = None,
) -> User:
    """Apply ``changes``. Nobody may change their own role or deactivate themselves, so a
    tenant cannot lose its last administrator by a slip. Commits."""
    user = await get_user(uow, user_id)
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
    await uow.users.save(user)
    if changes.role is not None or changes.is_active is not None:
        # Signed-in users are cached for a few seconds (helpline.app.people.user_cache): drop
        # this one now and again at commit, so no request in between keeps the old role.
        tenant_id, changed_id = user.tenant_id, user.id
        forget_user(tenant_id, changed_id)
        uow.after_commit(lambda: forget_user(tenant_id, changed_id))
    await uow.commit()
    return user


async def authenticate(uow: PeopleUnit, passwords: Passwords, *, username: str, password: str) -> User:
    """The user whose credentials these are. Unknown tenant, unknown user and wrong password
    give the same error (and cost the same time), so sign-in does not reveal who exists.
    Commits (a password hash made with old parameters is replaced)."""
    user = await uow.users.by_username(normalize_username(username))
    if user is None:
        await asyncio.to_thread(passwords.verify, passwords.dummy_hash, password)
        raise NotAuthenticated("bad_credentials", BAD_LOGIN)
    if not await asyncio.to_thread(passwords.verify, user.password_hash, password):
        raise NotAuthenticated("bad_credentials", BAD_LOGIN)
    if not user.is_active:
        raise NotAuthenticated("user_inactive", "this account is disabled")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(passwords.hash, password)
        await uow.users.save(user)
        await uow.commit()
    return user
