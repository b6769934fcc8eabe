"""The base of every tenant-scoped repository: bound to one tenant, every query it builds is
filtered by that tenant, so another tenant's rows are simply not there (404, not 403)."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.base import TenantScoped

M = TypeVar("M", bound=TenantScoped)


class TenantRepositoryBase(Generic[M]):
    """Subclasses set ``model`` and build their queries from :meth:`_select`, so the tenant
    filter cannot be forgotten."""

    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _select(self) -> Select[Any]:
        return select(self.model).where(self.model.tenant_id == self.tenant_id)

    async def _row(self, id_: str | int) -> M | None:
        """The row with that primary key in this tenant, or ``None``."""
        row: M | None = await self.session.get(self.model, id_)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    async def count(self) -> int:
        stmt = select(func.count()).select_from(self.model).where(self.model.tenant_id == self.tenant_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def _add_row(self, row: M) -> M:
        """Stage a new row (stamped with this tenant) and flush, so constraint errors surface
        here rather than at commit."""
        if row.tenant_id is None:
            row.tenant_id = self.tenant_id
        if row.tenant_id != self.tenant_id:
            raise ValueError(f"row belongs to tenant {row.tenant_id!r}, not {self.tenant_id!r}")
        self.session.add(row)
        await self.session.flush()
        return row
