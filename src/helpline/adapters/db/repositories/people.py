"""Tenants and users in the database (the ports of ``helpline.app.people.ports``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.base import TenantRepositoryBase
from helpline.adapters.db.tables.people import Tenant as TenantRow
from helpline.adapters.db.tables.people import User as UserRow
from helpline.domain.errors import DomainError
from helpline.domain.people.accounts import Tenant, User


def _tenant(row: TenantRow) -> Tenant:
    return Tenant(row.id, row.name, row.locale, dict(row.settings or {}), row.created_at)


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        tenant_id=row.tenant_id,
        username=row.username,
        password_hash=row.password_hash,
        role=row.role,
        display_name=row.display_name,
        locale=row.locale,
        is_active=row.is_active,
        created_at=row.created_at,
    )


class SqlTenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str) -> Tenant | None:
        row = await self.session.get(TenantRow, tenant_id)
        return None if row is None else _tenant(row)

    async def list(self) -> Sequence[Tenant]:
        rows = (await self.session.execute(select(TenantRow).order_by(TenantRow.id))).scalars()
        return [_tenant(row) for row in rows]

    async def add(self, tenant: Tenant) -> Tenant:
        row = TenantRow(id=tenant.id, name=tenant.name, locale=tenant.locale, settings=dict(tenant.settings))
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # created concurrently
            raise DomainError("tenant_exists", f"tenant {tenant.id!r} already exists") from exc
        return _tenant(row)


class SqlUserRepository(TenantRepositoryBase[UserRow]):
    model = UserRow

    async def get(self, user_id: str) -> User | None:
        row = await self._row(user_id)
        return None if row is None else _user(row)

    async def by_username(self, username: str) -> User | None:
        result = await self.session.execute(self._select().where(UserRow.username == username))
        row: UserRow | None = result.scalar_one_or_none()
        return None if row is None else _user(row)

    async def list(self, *, role: str | None = None, active: bool | None = None) -> Sequence[User]:
        stmt = self._select().order_by(UserRow.username)
        if role is not None:
            stmt = stmt.where(UserRow.role == role)
        if active is not None:
            stmt = stmt.where(UserRow.is_active == active)
        return [_user(row) for row in (await self.session.execute(stmt)).scalars()]

    async def add(self, user: User) -> User:
        row = UserRow(
            tenant_id=self.tenant_id,
            username=user.username,
            display_name=user.display_name,
            password_hash=user.password_hash,
            role=user.role,
            locale=user.locale,
            is_active=user.is_active,
        )
        try:
            await self._add_row(row)
        except IntegrityError as exc:  # the same name added concurrently
            raise DomainError("username_taken", f"username {user.username!r} is taken") from exc
        return _user(row)

    async def save(self, user: User) -> None:
        row = await self._row(user.id)
        if row is None:
            raise ValueError(f"user {user.id!r} is not stored in tenant {self.tenant_id!r}")
        row.username, row.display_name, row.role = user.username, user.display_name, user.role
        row.password_hash, row.locale, row.is_active = user.password_hash, user.locale, user.is_active
        await self.session.flush()
