"""The SIP accounts in memory, for the switch.

The switch asks two questions many times a second and must not wait for a database: "what
is the password of SIP user X?" (digest authentication) and "which SIP user is agent Y's
phone?" (ringing). :class:`SipDirectory` answers both from memory; it is loaded when the
server goes live and kept in step by the account use cases (``helpline.app.telephony.
sip_accounts``), once their change is committed.
"""

from __future__ import annotations

from collections.abc import Iterable

from helpline.domain.telephony.records import SipAccount


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

    def put_account(self, account: SipAccount) -> None:
        """Everything the switch needs of one account."""
        self.put(account.tenant_id, account.user_id, account.username, account.password)
        self.set_forward(account.tenant_id, account.user_id, account.forward_to)
        self.set_auto_answer(account.tenant_id, account.user_id, account.auto_answer)

    def remove(self, tenant_id: str, user_id: str) -> None:
        username = self._usernames.pop((tenant_id, user_id), None)
        self._forwards.pop((tenant_id, user_id), None)
        self._auto_answer.discard((tenant_id, user_id))
        if username is not None:
            self.passwords.pop(username, None)

    def replace_all(self, accounts: Iterable[SipAccount]) -> int:
        """Forget everything and hold ``accounts`` (every tenant's); -> how many."""
        self.passwords.clear()
        self._usernames.clear()
        self._forwards.clear()
        self._auto_answer.clear()
        count = 0
        for account in accounts:
            self.put_account(account)
            count += 1
        return count
