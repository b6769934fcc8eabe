"""Typed repositories. A tenant-scoped repository is bound to one tenant and every query it
makes is filtered by that tenant: another tenant's rows are simply not there (404, not 403).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.base import TenantScoped
from helpline.adapters.db.tables.people import Tenant, User

M = TypeVar("M", bound=TenantScoped)


class TenantRepositoryBase(Generic[M]):
    """Base for every tenant-scoped table. Subclasses set ``model``; build queries from
    :meth:`_select` so the tenant filter can't be forgotten."""

    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _select(self) -> Select[Any]:
        return select(self.model).where(self.model.tenant_id == self.tenant_id)

    async def get(self, id_: str) -> M | None:
        """The row with that primary key in this tenant, or ``None``."""
        result = await self.session.execute(self._select().where(self.model.id == id_))
        row: M | None = result.scalar_one_or_none()
        return row

    async def count(self) -> int:
        stmt = select(func.count()).select_from(self.model).where(self.model.tenant_id == self.tenant_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, row: M) -> M:
        """Stage a new row (stamped with this tenant) and flush, so constraint errors surface
        here rather than at commit."""
        if row.tenant_id is None:
            row.tenant_id = self.tenant_id
        if row.tenant_id != self.tenant_id:
            raise ValueError(f"row belongs to tenant {row.tenant_id!r}, not {self.tenant_id!r}")
        self.session.add(row)
        await self.session.flush()
        return row


class TenantRepository:
    """Tenants themselves: the only table that is not tenant-scoped."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def list(self) -> Sequence[Tenant]:
        result = await self.session.execute(select(Tenant).order_by(Tenant.id))
        return result.scalars().all()

    async def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        await self.session.flush()
        return tenant


class UserRepository(TenantRepositoryBase[User]):
    """Users of one tenant."""

    model = User

    async def by_username(self, username: str) -> User | None:
        result = await self.session.execute(self._select().where(User.username == username))
        user: User | None = result.scalar_one_or_none()
        return user

    async def list(self, *, role: str | None = None, active: bool | None = None) -> Sequence[User]:
        stmt = self._select().order_by(User.username)
        if role is not None:
            stmt = stmt.where(User.role == role)
        if active is not None:
            stmt = stmt.where(User.is_active == active)
        found: Sequence[User] = (await self.session.execute(stmt)).scalars().all()
        return found
