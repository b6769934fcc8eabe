"""Users of the caller's tenant, and tenants (platform administrators only).

Every lookup is scoped to the caller's tenant: another tenant's user is a 404.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, status

from helpline.app.people import users
from helpline.domain.errors import Forbidden, Invalid
from helpline.web.api.people.schemas import Role, TenantCreate, TenantOut, UserCreate, UserOut, UserPatch
from helpline.web.deps import (
    ContainerDep,
    CurrentUser,
    Principal,
    UnitDep,
    require_platform_admin,
    require_role,
)

router = APIRouter(prefix="/api/v1", tags=["users"])

Supervisor = Annotated[Principal, Depends(require_role("supervisor"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]
PlatformAdmin = Annotated[Principal, Depends(require_platform_admin)]
SELF_EDITABLE = frozenset({"display_name", "locale", "password", "current_password"})


@router.get("/users", response_model=list[UserOut])
async def list_users(actor: Supervisor, uow: UnitDep, role: Role | None = None) -> list[UserOut]:
    found = await users.list_users(uow, role=role)
    return [UserOut.model_validate(u) for u in found]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, actor: Admin, uow: UnitDep, container: ContainerDep) -> UserOut:
    user = await users.create_user(
        uow,
        container.passwords,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        locale=body.locale,
    )
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(user_id: str, actor: CurrentUser, uow: UnitDep) -> UserOut:
    """Anyone may read themselves; supervisors and admins read anyone in their tenant."""
    if user_id != actor.user_id and not actor.at_least("supervisor"):
        raise Forbidden("role_required", "requires role supervisor or higher", role="supervisor")
    return UserOut.model_validate(await users.get_user(uow, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
async def patch_user(
    user_id: str, body: UserPatch, actor: CurrentUser, uow: UnitDep, container: ContainerDep
) -> UserOut:
    """Admins change anyone in their tenant; others only their own name, locale and password."""
    sent = body.model_fields_set
    is_self = user_id == actor.user_id
    if not actor.at_least("admin") and not (is_self and sent <= SELF_EDITABLE):
        raise Forbidden("role_required", "requires role admin or higher", role="admin")
    if is_self and body.password is not None:
        target = await users.get_user(uow, user_id)
        ok = body.current_password is not None and await asyncio.to_thread(
            container.passwords.verify, target.password_hash, body.current_password
        )
        if not ok:
            raise Invalid(
                "wrong_current_password",
                "give your current password to set a new one",
                field="current_password",
            )
    changes = users.UserChanges(
        display_name=body.display_name,
        role=body.role,
        locale=(body.locale or "") if "locale" in sent else None,  # null clears it
        is_active=body.is_active,
        password=body.password,
    )
    user = await users.update_user(
        uow,
        container.passwords,
        user_id=user_id,
        changes=changes,
        actor_id=actor.user_id,
    )
    return UserOut.model_validate(user)


@router.get("/tenants", response_model=list[TenantOut])
async def list_tenants(actor: PlatformAdmin, uow: UnitDep) -> list[TenantOut]:
    return [TenantOut.model_validate(t) for t in await users.list_tenants(uow)]


@router.post("/tenants", response_model=TenantOut, status_code=status.HTTP_201_CREATED)
async def create_tenant(
    body: TenantCreate, actor: PlatformAdmin, uow: UnitDep, container: ContainerDep
) -> TenantOut:
    """Create a tenant and, when ``admin_username`` is given, its first administrator (in the
    same transaction: both or neither)."""
    if (body.admin_username is None) != (body.admin_password is None):
        raise Invalid(
            "admin_incomplete",
            "give both admin_username and admin_password, or neither",
            field="admin_password",
        )
    admin = None
    if body.admin_username is not None and body.admin_password is not None:
        admin = users.FirstAdmin(body.admin_username, body.admin_password)
    tenant = await users.create_tenant(
        uow, container.passwords, tenant_id=body.id, name=body.name, locale=body.locale, admin=admin
    )
    return TenantOut.model_validate(tenant)
