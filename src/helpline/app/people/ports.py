"""What the people use cases need from storage: tenants and their users, one tenant at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from helpline.app.ports import UnitOfWork
from helpline.domain.people.accounts import Tenant, User


class TenantRepository(Protocol):
    """Tenants themselves: the one kind of record that belongs to no tenant."""

    async def get(self, tenant_id: str) -> Tenant | None: ...

    async def list(self) -> Sequence[Tenant]: ...

    async def add(self, tenant: Tenant) -> Tenant:
        """Store a new tenant; ``tenant_exists`` when its id is taken (also concurrently)."""
        ...


class UserRepository(Protocol):
    """Users of the unit's tenant; another tenant's user is simply not there."""

    async def get(self, user_id: str) -> User | None: ...

    async def by_username(self, username: str) -> User | None: ...

    async def list(self, *, role: str | None = None, active: bool | None = None) -> Sequence[User]:
        """Ordered by username."""
        ...

    async def add(self, user: User) -> User:
        """Store a new user of this tenant (its id and ``created_at`` are filled in);
        ``username_taken`` when the name is taken (also concurrently)."""
        ...

    async def save(self, user: User) -> None:
        """Store the changed fields of a user loaded from this repository."""
        ...


class PeopleUnit(UnitOfWork, Protocol):
    @property
    def tenants(self) -> TenantRepository: ...

    @property
    def users(self) -> UserRepository: ...

    def users_of(self, tenant_id: str) -> UserRepository:
        """Users of another tenant, in this unit's transaction: only for the platform's
        operator (a new tenant and its first administrator are stored together)."""
        ...
