"""SIP accounts: which phone belongs to which user, and the password it registers with.

The switch asks two questions many times a second and must not wait for a database: "what
is the password of SIP user X?" (digest authentication) and "which SIP user is agent Y's
phone?" (ringing). :class:`SipDirectory` answers both from memory; it is loaded when the
server goes live and kept in step by :func:`set_account` / :func:`delete_account`.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import AgentProfile
from helpline.adapters.db.tables.people import User
from helpline.adapters.db.tables.telephony import SipAccount
from helpline.domain.errors import Invalid, InvalidTransition, NotFound

USERNAME = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
MIN_PASSWORD = 6
FORWARD_NUMBER = re.compile(r"^\+?[0-9]{2,32}$")


class SipDirectory:
    """Phones by user and passwords by SIP user name, in memory.

    ``passwords`` is handed to the switch as its user table (the same dict, so a change here
    is live at once).
    """

    def __init__(self) -> None:
        self.passwords: dict[str, str] = {}
        self._usernames: dict[tuple[str, str], str] = {}
        self._forwards: dict[tuple[str, str], str] = {}
        self._auto_answer: set[tuple[str, str]] = set()

    def extension_of(self, tenant_id: str, user_id: str) -> str | None:
        """The SIP user name of ``user_id``'s phone (None: no phone, it cannot be rung)."""
        return self._usernames.get((tenant_id, user_id))

    def forward_of(self, tenant_id: str, user_id: str) -> str | None:
        """The outside number ``user_id`` is reached at instead of a phone (None: the phone)."""
        return self._forwards.get((tenant_id, user_id))

    def set_forward(self, tenant_id: str, user_id: str, number: str | None) -> None:
        if number:
            self._forwards[(tenant_id, user_id)] = number
        else:
            self._forwards.pop((tenant_id, user_id), None)

    def auto_answer_of(self, tenant_id: str, user_id: str) -> bool:
        """Whether ``user_id``'s phone is asked to answer offered calls by itself (a headset)."""
        return (tenant_id, user_id) in self._auto_answer

    def set_auto_answer(self, tenant_id: str, user_id: str, on: bool) -> None:
        if on:
            self._auto_answer.add((tenant_id, user_id))
        else:
            self._auto_answer.discard((tenant_id, user_id))

    def owner_of(self, username: str) -> tuple[str, str] | None:
        """(tenant, user) whose phone registers as ``username``: who places a call from it."""
        for owner, name in self._usernames.items():
            if name == username:
                return owner
        return None

    def put(self, tenant_id: str, user_id: str, username: str, password: str) -> None:
        old = self._usernames.get((tenant_id, user_id))
        if old is not None and old != username:
            self.passwords.pop(old, None)
        self._usernames[(tenant_id, user_id)] = username
        self.passwords[username] = password

    def remove(self, tenant_id: str, user_id: str) -> None:
        username = self._usernames.pop((tenant_id, user_id), None)
        self._forwards.pop((tenant_id, user_id), None)
        self._auto_answer.discard((tenant_id, user_id))
        if username is not None:
            self.passwords.pop(username, None)

    async def load(self, session: AsyncSession) -> int:
        """Every account of every tenant; -> how many."""
        self.passwords.clear()
        self._usernames.clear()
        self._forwards.clear()
        self._auto_answer.clear()
        rows = (await session.scalars(select(SipAccount))).all()
        for row in rows:
            self.put(row.tenant_id, row.user_id, row.username, row.password)
            self.set_forward(row.tenant_id, row.user_id, row.forward_to)
            self.set_auto_answer(row.tenant_id, row.user_id, bool(row.auto_answer))
        return len(rows)


async def get_account(session: AsyncSession, tenant_id: str, user_id: str) -> SipAccount:
    row = await session.get(SipAccount, user_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound("sip_account_not_found", f"user {user_id} has no SIP account", user_id=user_id)
    return row


async def set_account(
    session: AsyncSession,
    directory: SipDirectory | None,
    tenant_id: str,
    user_id: str,
    *,
    password: str,
    username: str | None = None,
) -> SipAccount:
    """Create or change a user's SIP account. The user name defaults to the agent's
    extension; it must be unique on the platform (one registrar serves every tenant)."""
    user = await session.get(User, user_id)
    if user is None or user.tenant_id != tenant_id:
        raise NotFound("user_not_found", f"no user {user_id}", user_id=user_id)
    if not username:
        profile = await session.get(AgentProfile, user_id)
        username = profile.extension if profile is not None else ""
        if not username:
            raise Invalid(
                "username_required", "the user has no extension: give a SIP user name", field="username"
            )
    if not USERNAME.match(username):
        raise Invalid(
            "invalid_sip_username", "letters, digits and . _ + - only, at most 64", field="username"
        )
    if len(password) < MIN_PASSWORD or any(c in password for c in '"\\\r\n'):
        raise Invalid(
            "invalid_sip_password",
            f"at least {MIN_PASSWORD} characters, no quotes, backslashes or line breaks",
            field="password",
        )
    taken = await session.scalar(
        select(SipAccount).where(SipAccount.username == username, SipAccount.user_id != user_id)
    )
    if taken is not None:
        raise InvalidTransition("sip_username_taken", f"SIP user {username} exists", username=username)
    row = await session.get(SipAccount, user_id)
    if row is None:
        row = SipAccount(tenant_id=tenant_id, user_id=user_id, username=username, password=password)
        session.add(row)
    else:
        row.username, row.password = username, password
    await session.flush()
    if directory is not None:
        directory.put(tenant_id, user_id, username, password)
    return row


async def set_forward(
    session: AsyncSession, directory: SipDirectory | None, tenant_id: str, user_id: str, number: str | None
) -> SipAccount:
    """Reach the user at an outside number (through the trunk) instead of the registered
    phone; None goes back to the phone. The number is digits with an optional leading +."""
    row = await get_account(session, tenant_id, user_id)
    if number is not None and not FORWARD_NUMBER.match(number):
        raise Invalid("invalid_number", "a number is 2-32 digits, with an optional leading +", field="number")
    row.forward_to = number or None
    await session.flush()
    if directory is not None:
        directory.set_forward(tenant_id, user_id, row.forward_to)
    return row


async def set_auto_answer(
    session: AsyncSession, directory: SipDirectory | None, tenant_id: str, user_id: str, on: bool
) -> SipAccount:
    """Auto-answer (a headset agent): the switch asks the phone to pick up offered calls at
    once, after a short beep (``Call-Info: answer-after=0``, ``Alert-Info: alert-autoanswer``)."""
    row = await get_account(session, tenant_id, user_id)
    row.auto_answer = on
    await session.flush()
    if directory is not None:
        directory.set_auto_answer(tenant_id, user_id, on)
    return row


async def delete_account(
    session: AsyncSession, directory: SipDirectory | None, tenant_id: str, user_id: str
) -> None:
    row = await get_account(session, tenant_id, user_id)
    await session.delete(row)
    await session.flush()
    if directory is not None:
        directory.remove(tenant_id, user_id)
