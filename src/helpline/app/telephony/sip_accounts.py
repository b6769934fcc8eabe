"""SIP accounts: which phone belongs to which user, the password it registers with, and how
the switch reaches the user (the phone, an outside number, auto-answer).

The switch reads them from memory (:class:`helpline.app.telephony.directory.SipDirectory`);
each use case here changes the stored account, commits, and only then the directory, so the
switch never authenticates or rings with an account that was not stored.
"""

from __future__ import annotations

import re

from helpline.app.telephony.directory import SipDirectory
from helpline.app.telephony.ports import TelephonyUnit
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.telephony.records import SipAccount

USERNAME = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
MIN_PASSWORD = 6
FORWARD_NUMBER = re.compile(r"^\+?[0-9]{2,32}$")


async def load_directory(uow: TelephonyUnit, directory: SipDirectory) -> int:
    """Fill the switch's directory with every account of every tenant; -> how many."""
    return directory.replace_all(await uow.sip_accounts.every_tenant())


async def get_account(uow: TelephonyUnit, user_id: str) -> SipAccount:
    account = await uow.sip_accounts.get(user_id)
    if account is None:
        raise NotFound("sip_account_not_found", f"user {user_id} has no SIP account", user_id=user_id)
    return account


async def set_account(
    uow: TelephonyUnit,
    directory: SipDirectory | None,
    user_id: str,
    *,
    password: str,
    username: str | None = None,
) -> SipAccount:
    """:func:`add_account`, committed."""
    account = await add_account(uow, directory, user_id, password=password, username=username)
    await uow.commit()
    return account


async def add_account(
    uow: TelephonyUnit,
    directory: SipDirectory | None,
    user_id: str,
    *,
    password: str,
    username: str | None = None,
) -> SipAccount:
    """Create or change a user's SIP account, not yet committed (the demo data adds many in
    one transaction). The user name defaults to the agent's extension; it must be unique on
    the platform (one registrar serves every tenant)."""
    if await uow.users.get(user_id) is None:
        raise NotFound("user_not_found", f"no user {user_id}", user_id=user_id)
    if not username:
        username = await uow.agent_extensions.extension_of(user_id) or ""
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
    holder = await uow.sip_accounts.holder_of(username)
    if holder is not None and (holder.tenant_id, holder.user_id) != (uow.tenant_id, user_id):
        raise InvalidTransition("sip_username_taken", f"SIP user {username} exists", username=username)
    account = await uow.sip_accounts.get(user_id)
    if account is None:
        account = await uow.sip_accounts.add(SipAccount(uow.tenant_id, user_id, username, password))
    else:
        account.username, account.password = username, password
        await uow.sip_accounts.save(account)
    if directory is not None:
        tenant_id = uow.tenant_id
        uow.after_commit(lambda: directory.put(tenant_id, user_id, username, password))
    return account


async def set_forward(
    uow: TelephonyUnit, directory: SipDirectory | None, user_id: str, number: str | None
) -> SipAccount:
    """Reach the user at an outside number (through the trunk) instead of the registered
    phone; None goes back to the phone. The number is digits with an optional leading +.
    Commits."""
    account = await get_account(uow, user_id)
    if number is not None and not FORWARD_NUMBER.match(number):
        raise Invalid("invalid_number", "a number is 2-32 digits, with an optional leading +", field="number")
    account.forward_to = number or None
    await uow.sip_accounts.save(account)
    if directory is not None:
        tenant_id, forward_to = uow.tenant_id, account.forward_to
        uow.after_commit(lambda: directory.set_forward(tenant_id, user_id, forward_to))
    await uow.commit()
    return account


async def set_auto_answer(
    uow: TelephonyUnit, directory: SipDirectory | None, user_id: str, on: bool
) -> SipAccount:
    """Auto-answer (a headset agent): the switch asks the phone to pick up offered calls at
    once, after a short beep (``Call-Info: answer-after=0``, ``Alert-Info: alert-autoanswer``).
    Commits."""
    account = await get_account(uow, user_id)
    account.auto_answer = on
    await uow.sip_accounts.save(account)
    if directory is not None:
        tenant_id = uow.tenant_id
        uow.after_commit(lambda: directory.set_auto_answer(tenant_id, user_id, on))
    await uow.commit()
    return account


async def delete_account(uow: TelephonyUnit, directory: SipDirectory | None, user_id: str) -> None:
    """The user's phone can no longer register or be rung. Commits."""
    await get_account(uow, user_id)
    await uow.sip_accounts.delete(user_id)
    if directory is not None:
        tenant_id = uow.tenant_id
        uow.after_commit(lambda: directory.remove(tenant_id, user_id))
    await uow.commit()
