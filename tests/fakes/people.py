"""Tenants and users in memory (the ports of ``helpline.app.people.ports``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from helpline.domain.errors import DomainError
from helpline.domain.people.accounts import Tenant, User


@dataclass
class PeopleTables:
    tenants: dict[str, Tenant] = field(default_factory=lambda: {"default": Tenant("default", "Default")})
    users: dict[str, User] = field(default_factory=dict)


class FakeTenantRepository:
    def __init__(self, tables: PeopleTables) -> None:
        self.tables = tables

    async def get(self, tenant_id: str) -> Tenant | None:
        found = self.tables.tenants.get(tenant_id)
        return None if found is None else replace(found)

    async def list(self) -> Sequence[Tenant]:
        return [replace(t) for _, t in sorted(self.tables.tenants.items())]

    async def add(self, tenant: Tenant) -> Tenant:
        if tenant.id in self.tables.tenants:
            raise DomainError("tenant_exists", f"tenant {tenant.id!r} already exists")
        stored = replace(tenant, created_at=datetime.now(UTC))
        self.tables.tenants[tenant.id] = stored
        return replace(stored)


class FakeUserRepository:
    def __init__(self, tables: PeopleTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    def _mine(self) -> list[User]:
        return [u for u in self.tables.users.values() if u.tenant_id == self.tenant_id]

    async def get(self, user_id: str) -> User | None:
        found = self.tables.users.get(user_id)
        return replace(found) if found is not None and found.tenant_id == self.tenant_id else None

    async def by_username(self, username: str) -> User | None:
        return next((replace(u) for u in self._mine() if u.username == username), None)

    async def list(self, *, role: str | None = None, active: bool | None = None) -> Sequence[User]:
        found = [
            u
            for u in self._mine()
            if (role is None or u.role == role) and (active is None or u.is_active == active)
        ]
        return [replace(u) for u in sorted(found, key=lambda u: u.username)]

    async def add(self, user: User) -> User:
        if any(u.username == user.username for u in self._mine()):
            raise DomainError("username_taken", f"username {user.username!r} is taken")
        stored = replace(user, id=str(uuid.uuid4()), tenant_id=self.tenant_id, created_at=datetime.now(UTC))
        self.tables.users[stored.id] = stored
        return replace(stored)

    async def save(self, user: User) -> None:
        if await self.get(user.id) is None:
            raise ValueError(f"user {user.id!r} is not stored in tenant {self.tenant_id!r}")
        self.tables.users[user.id] = replace(user)
