"""Sign-in (OAuth2 password form, plus an optional ``tenant`` field) and "who am I"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form

from helpline.app.people import users
from helpline.app.people.security import issue_token
from helpline.web.api.people.schemas import TokenOut, UserOut
from helpline.web.deps import ContainerDep, CurrentUser, UnitDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut)
async def token(
    username: Annotated[str, Form(min_length=1)],
    password: Annotated[str, Form(min_length=1)],
    container: ContainerDep,
    tenant: Annotated[str | None, Form()] = None,
) -> TokenOut:
    """Exchange username and password for a bearer token (401 on any mismatch)."""
    settings = container.settings
    async with container.units(tenant or settings.default_tenant) as uow:
        user = await users.authenticate(uow, container.passwords, username=username, password=password)
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    access_token = issue_token(
        container.secret_key,
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        ttl=ttl,
        now=datetime.fromtimestamp(container.clock.now(), UTC),
    )
    return TokenOut(
        access_token=access_token,
        expires_in=int(ttl.total_seconds()),
        user=UserOut.model_validate(user),
    )


@router.get("/me", response_model=UserOut)
async def me(actor: CurrentUser, uow: UnitDep) -> UserOut:
    return UserOut.model_validate(await users.get_user(uow, actor.user_id))
