"""SIP accounts, recordings, call quality and the ACD reads telephony needs, in memory (the
ports of ``helpline.app.telephony.ports``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from helpline.domain.errors import InvalidTransition
from helpline.domain.telephony.records import CallParties, LegQuality, Recording, SipAccount


@dataclass
class TelephonyTables:
    accounts: dict[str, SipAccount] = field(default_factory=dict)  # by user id
    recordings: list[tuple[str, Recording]] = field(default_factory=list)  # (tenant, recording)
    quality: list[tuple[str, str, LegQuality]] = field(default_factory=list)  # (tenant, call, leg)
    # what the ACD stores and telephony only reads
    extensions: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, user) -> ext
    calls: dict[tuple[str, str], CallParties] = field(default_factory=dict)  # (tenant, call)
    call_agents: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # segments' agents


def _taken(username: str) -> InvalidTransition:
    return InvalidTransition("sip_username_taken", f"SIP user {username} exists", username=username)


class FakeSipAccountRepository:
    def __init__(self, tables: TelephonyTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def get(self, user_id: str) -> SipAccount | None:
        found = self.tables.accounts.get(user_id)
        return replace(found) if found is not None and found.tenant_id == self.tenant_id else None

    async def holder_of(self, username: str) -> SipAccount | None:
        return next((replace(a) for a in self.tables.accounts.values() if a.username == username), None)

    def _check_unique(self, account: SipAccount) -> None:
        if any(
            a.username == account.username and a.user_id != account.user_id
            for a in self.tables.accounts.values()
        ):
            raise _taken(account.username)

    async def add(self, account: SipAccount) -> SipAccount:
        self._check_unique(account)
        if account.user_id in self.tables.accounts:
            raise ValueError(f"user {account.user_id!r} has an account already")
        stored = replace(account, tenant_id=self.tenant_id)
        self.tables.accounts[stored.user_id] = stored
        return replace(stored)

    async def save(self, account: SipAccount) -> None:
        if await self.get(account.user_id) is None:
            raise ValueError(f"user {account.user_id!r} has no SIP account in tenant {self.tenant_id!r}")
        self._check_unique(account)
        self.tables.accounts[account.user_id] = replace(account, tenant_id=self.tenant_id)

    async def delete(self, user_id: str) -> None:
        if await self.get(user_id) is not None:
            del self.tables.accounts[user_id]

    async def every_tenant(self) -> Sequence[SipAccount]:
        return [replace(a) for a in self.tables.accounts.values()]


class FakeAgentExtensions:
    def __init__(self, tables: TelephonyTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def extension_of(self, user_id: str) -> str | None:
        return self.tables.extensions.get((self.tenant_id, user_id))


class FakeRecordingRepository:
    def __init__(self, tables: TelephonyTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def add(self, recordings: Sequence[Recording]) -> None:
        for recording in recordings:
            stored = replace(recording, id=len(self.tables.recordings) + 1, created_at=datetime.now(UTC))
            self.tables.recordings.append((self.tenant_id, stored))

    async def of_call(self, call_id: str) -> Sequence[Recording]:
        return [
            r for tenant, r in self.tables.recordings if tenant == self.tenant_id and r.call_id == call_id
        ]

    async def latest(self, call_id: str, kind: str) -> Recording | None:
        return next((r for r in reversed(await self.of_call(call_id)) if r.kind == kind), None)


class FakeCallQualityRepository:
    def __init__(self, tables: TelephonyTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def add(self, call_id: str, legs: Sequence[LegQuality]) -> None:
        self.tables.quality += [(self.tenant_id, call_id, leg) for leg in legs]

    async def of_call(self, call_id: str) -> Sequence[LegQuality]:
        return [
            leg for tenant, call, leg in self.tables.quality if (tenant, call) == (self.tenant_id, call_id)
        ]


class FakeCallParties:
    def __init__(self, tables: TelephonyTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def get(self, call_id: str) -> CallParties | None:
        return self.tables.calls.get((self.tenant_id, call_id))

    async def agents_on(self, call_id: str) -> frozenset[str]:
        return frozenset(self.tables.call_agents.get((self.tenant_id, call_id), set()))
