"""Tenants and the people who sign in to them, as plain records.

A tenant (租户) is a company using the platform; ``default`` is the platform operator's own.
A user is an agent, shift leader, supervisor or administrator of one tenant. The records
carry no behaviour of their own: the use cases in ``helpline.app.people`` decide who may
change what, and storage maps them to rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ROLES = ("agent", "leader", "supervisor", "admin")
"""The role ladder, lowest first: each role may do what the ones below it may."""


@dataclass
class Tenant:
    id: str
    name: str
    locale: str = "zh-CN"
    settings: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass
class User:
    id: str
    tenant_id: str
    username: str
    password_hash: str
    role: str
    display_name: str = ""
    locale: str | None = None
    is_active: bool = True
    created_at: datetime | None = None
