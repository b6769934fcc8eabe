"""Customers in memory (the port ``CustomerRepository`` of ``helpline.app.people.ports``)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from helpline.domain.people.customers import Customer


@dataclass
class CustomerTables:
    customers: dict[str, tuple[str, Customer]] = field(default_factory=dict)  # id -> (tenant, customer)


class FakeCustomerRepository:
    def __init__(self, tables: CustomerTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    def _mine(self) -> list[Customer]:
        return [c for tenant, c in self.tables.customers.values() if tenant == self.tenant_id]

    async def get(self, customer_id: str) -> Customer | None:
        tenant, found = self.tables.customers.get(customer_id, ("", None))
        return copy.deepcopy(found) if found is not None and tenant == self.tenant_id else None

    async def get_many(self, customer_ids: Collection[str]) -> list[Customer]:
        return [copy.deepcopy(c) for c in self._mine() if c.id in customer_ids]

    async def phone_hits(self, match_key: str, local_key: str | None) -> list[tuple[str, str]]:
        return [
            (c.id, p.match_key)
            for c in self._mine()
            for p in c.phones
            if p.match_key == match_key or (local_key is not None and p.local_key == local_key)
        ]

    async def search(
        self, *, text: str = "", ids: Collection[str] | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[int, list[Customer]]:
        found = [
            c
            for c in self._mine()
            if (ids is None or c.id in ids)
            and (not text or any(text in f for f in (c.name, c.address, c.email)))
        ]
        found.sort(key=lambda c: (c.name, c.id))
        return len(found), [copy.deepcopy(c) for c in found[offset : offset + limit]]

    async def add(self, customer: Customer) -> Customer:
        stored = replace(copy.deepcopy(customer), id=str(uuid.uuid4()), created_at=datetime.now(UTC))
        self.tables.customers[stored.id] = (self.tenant_id, stored)
        return copy.deepcopy(stored)

    async def save(self, customer: Customer) -> None:
        if await self.get(customer.id) is None:
            raise ValueError(f"customer {customer.id!r} is not stored in tenant {self.tenant_id!r}")
        self.tables.customers[customer.id] = (self.tenant_id, copy.deepcopy(customer))

    async def remove(self, customer_id: str) -> None:
        if await self.get(customer_id) is not None:
            del self.tables.customers[customer_id]
