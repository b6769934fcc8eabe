"""Request and response bodies of the users/auth API. Passwords go in, never out."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from helpline.domain.people.accounts import ROLES
from helpline.web.api.choices import one_of

if TYPE_CHECKING:  # mypy cannot read a Literal built at run time; to it a role is a string
    Role: TypeAlias = str
else:
    Role = one_of(ROLES)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    username: str
    display_name: str
    role: Role
    locale: str | None
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=256)
    role: Role = "agent"
    display_name: str = Field(default="", max_length=200)
    locale: str | None = Field(default=None, max_length=16)


class UserPatch(BaseModel):
    """Fields left out stay as they are. Changing one's own password needs the current one."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    locale: str | None = Field(default=None, max_length=16)
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=256)
    current_password: str | None = None


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    locale: str
    created_at: datetime


class TenantCreate(BaseModel):
    """A new tenant, optionally with its first administrator."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    locale: str = Field(default="zh-CN", max_length=16)
    admin_username: str | None = Field(default=None, min_length=1, max_length=64)
    admin_password: str | None = Field(default=None, min_length=8, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: UserOut
