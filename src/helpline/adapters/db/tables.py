"""The tables. Every table but ``tenants`` carries a non-null ``tenant_id`` (``TenantScoped``).

New tables go here (or in a module imported here), so that ``Base.metadata`` knows them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.base import Base, TenantScoped, UTCDateTime, utcnow

ROLES = ("agent", "leader", "supervisor", "admin")


def new_id() -> str:
    return str(uuid.uuid4())


class Tenant(Base):
    """A company using the platform (租户); ``default`` is the platform operator's own."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16), default="zh-CN")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(TenantScoped, Base):
    """A person who signs in: agent, shift leader, supervisor or administrator."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "username"),
        CheckConstraint("role IN ('agent', 'leader', 'supervisor', 'admin')", name="role"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# Tables of other concerns live in their own modules; importing them here registers them.
from helpline.adapters.db import (  # noqa: E402, F401
    acd_tables,
    customer_tables,
    floor_tables,
    kb_tables,
    quality_tables,
    search_tables,
    sip_tables,
    workorder_tables,
)
