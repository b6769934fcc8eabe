"""Customers and their numbers in the database (the port ``CustomerRepository`` of
``helpline.app.people.ports``). The look-up by phone keeps the statements screen pop was tuned
with (ADR 0006): one indexed read of the numbers, one of the customers with theirs."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, or_, select

from helpline.adapters.db.repositories.base import TenantRepositoryBase
from helpline.adapters.db.tables.people import Customer as CustomerRow
from helpline.adapters.db.tables.people import CustomerPhone as PhoneRow
from helpline.domain.people.customers import Customer, CustomerPhone

_FIELDS = ("name", "address", "email", "vip_level", "tags", "custom", "notes")


def _phone(row: PhoneRow) -> CustomerPhone:
    return CustomerPhone(row.raw, row.canonical, row.kind, row.match_key, row.local_key, row.label)


def _customer(row: CustomerRow) -> Customer:
    return Customer(
        id=row.id,
        name=row.name,
        address=row.address,
        email=row.email,
        vip_level=row.vip_level,
        tags=list(row.tags or []),
        custom=dict(row.custom or {}),
        notes=row.notes,
        phones=[_phone(p) for p in row.phones],
        created_at=row.created_at,
    )


class SqlCustomerRepository(TenantRepositoryBase[CustomerRow]):
    model = CustomerRow

    def _phone_rows(self, phones: list[CustomerPhone]) -> list[PhoneRow]:
        return [
            PhoneRow(
                tenant_id=self.tenant_id,
                raw=p.raw,
                canonical=p.canonical,
                kind=p.kind,
                match_key=p.match_key,
                local_key=p.local_key,
                position=position,
                label=p.label,
            )
            for position, p in enumerate(phones)
        ]

    async def get(self, customer_id: str) -> Customer | None:
        row = await self._row(customer_id)
        return None if row is None else _customer(row)

    async def get_many(self, customer_ids: Collection[str]) -> list[Customer]:
        if not customer_ids:
            return []
        rows = await self.session.scalars(self._select().where(CustomerRow.id.in_(list(customer_ids))))
        return [_customer(row) for row in rows]

    async def phone_hits(self, match_key: str, local_key: str | None) -> list[tuple[str, str]]:
        conditions = [PhoneRow.match_key == match_key]
        if local_key is not None:
            conditions.append(PhoneRow.local_key == local_key)
        stmt = select(PhoneRow.customer_id, PhoneRow.match_key).where(
            PhoneRow.tenant_id == self.tenant_id, or_(*conditions)
        )
        return [(customer_id, key) for customer_id, key in await self.session.execute(stmt)]

    async def search(
        self, *, text: str = "", ids: Collection[str] | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[int, list[Customer]]:
        stmt = self._select()
        if ids is not None:
            stmt = stmt.where(CustomerRow.id.in_(list(ids)))
        if text:
            like = f"%{text}%"
            stmt = stmt.where(
                or_(CustomerRow.name.like(like), CustomerRow.address.like(like), CustomerRow.email.like(like))
            )
        total = int(
            (await self.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        )
        page = stmt.order_by(CustomerRow.name, CustomerRow.id).offset(offset).limit(limit)
        return total, [_customer(row) for row in await self.session.scalars(page)]

    async def add(self, customer: Customer) -> Customer:
        row = CustomerRow(tenant_id=self.tenant_id, **{name: getattr(customer, name) for name in _FIELDS})
        row.phones = self._phone_rows(customer.phones)
        await self._add_row(row)
        return _customer(row)

    async def save(self, customer: Customer) -> None:
        row = await self._row(customer.id)
        if row is None:
            raise ValueError(f"customer {customer.id!r} is not stored in tenant {self.tenant_id!r}")
        for name in _FIELDS:
            setattr(row, name, getattr(customer, name))
        if [_phone(p) for p in row.phones] != customer.phones:
            row.phones = self._phone_rows(customer.phones)
        await self.session.flush()

    async def remove(self, customer_id: str) -> None:
        row = await self._row(customer_id)
        if row is not None:
            await self.session.delete(row)  # its numbers go with it
            await self.session.flush()
