"""What the people use cases need from storage: tenants and their users, and customers, one
tenant at a time."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, Protocol

from helpline.app.ports import UnitOfWork
from helpline.domain.people.accounts import Tenant, User
from helpline.domain.people.customers import Customer


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


class CustomerRepository(Protocol):
    """Customers of the unit's tenant, with their numbers; another tenant's are not there."""

    async def get(self, customer_id: str) -> Customer | None: ...

    async def get_many(self, customer_ids: Collection[str]) -> list[Customer]:
        """The stored ones among ``customer_ids``, in one read (screen pop)."""
        ...

    async def phone_hits(self, match_key: str, local_key: str | None) -> list[tuple[str, str]]:
        """``(customer_id, match_key)`` of every stored number whose match key is ``match_key``
        or whose local key is ``local_key``: one indexed read."""
        ...

    async def search(
        self, *, text: str = "", ids: Collection[str] | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[int, list[Customer]]:
        """The total and one page, by name then id, of the customers whose name, address or
        e-mail contain ``text`` and, when given, whose id is among ``ids``."""
        ...

    async def add(self, customer: Customer) -> Customer:
        """Store a new customer and its numbers (its id and ``created_at`` are filled in)."""
        ...

    async def save(self, customer: Customer) -> None:
        """Store the changed fields of a customer loaded from this repository; its numbers
        are replaced when they changed."""
        ...

    async def remove(self, customer_id: str) -> None: ...


class Spreadsheets(Protocol):
    """CSV and XLSX files as rows: what imports read and exports write."""

    def read(self, filename: str, data: bytes) -> list[dict[str, Any]]:
        """Rows keyed by the header row (lower-cased, trimmed); the kind from the file name."""
        ...

    def write(self, kind: str, rows: Iterable[Sequence[Any]], sheet: str) -> bytes:
        """``rows`` (the first is the header) as a ``csv`` or ``xlsx`` file."""
        ...

    def media_type(self, kind: str) -> str: ...


class CustomersUnit(UnitOfWork, Protocol):
    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def spreadsheets(self) -> Spreadsheets:
        """The file codec imports and exports go through. Handed out by the unit so that the
        web layer reaches it through the application (it holds no transaction of its own)."""
        ...
