"""FastAPI dependencies: the container, who is asking, and the request's unit of work.

Handlers receive a :class:`Principal`, never a token or an ORM row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, WebSocket, WebSocketException, status
from fastapi.security import OAuth2PasswordBearer
from starlette.requests import HTTPConnection

from helpline.app.people.security import ROLE_RANK, NotAuthenticated, decode_token, role_at_least
from helpline.app.people.user_cache import UserCache
from helpline.app.unit_of_work import AppUnit
from helpline.bootstrap import Container
from helpline.domain.errors import Forbidden

TOKEN_URL = "/api/v1/auth/token"
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


@dataclass(frozen=True)
class Principal:
    """The signed-in user as handlers see it. ``role`` is read from the database and kept for
    a few seconds (:func:`user_cache`); a change of role or status through
    :func:`helpline.app.people.users.update_user` drops it, so a demotion or a disabled account takes
    effect at the next request of this process (of another process: within the cache's ttl)."""

    user_id: str
    tenant_id: str
    role: str
    username: str

    def at_least(self, role: str) -> bool:
        return role_at_least(self.role, role)


def get_container(connection: HTTPConnection) -> Container:
    container: Container = connection.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def user_cache(connection: HTTPConnection) -> UserCache[Principal]:
    """The app's cache of signed-in users (made on first use)."""
    cache: UserCache[Principal] | None = getattr(connection.app.state, "user_cache", None)
    if cache is None:
        cache = connection.app.state.user_cache = UserCache()
    return cache


async def principal_from_token(container: Container, token: str) -> Principal:
    """Check the token and that its user still exists and is active."""
    claims = decode_token(container.secret_key, token)
    async with container.units(claims.tenant_id) as uow:
        user = await uow.users.get(claims.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("invalid_token", "the token's user no longer exists or is disabled")
    return Principal(user.id, user.tenant_id, user.role, user.username)


async def cached_principal(connection: HTTPConnection, container: Container, token: str) -> Principal:
    """:func:`principal_from_token`, with the user row read at most once per cache ttl. The
    token itself (signature, expiry) is checked every time."""
    claims = decode_token(container.secret_key, token)
    cache = user_cache(connection)
    principal = cache.get(claims.tenant_id, claims.user_id)
    if principal is None:
        generation = cache.generation
        principal = await principal_from_token(container, token)
        cache.put(claims.tenant_id, claims.user_id, principal, read_at=generation)
    return principal


async def current_user(
    connection: HTTPConnection,
    container: ContainerDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> Principal:
    """The user of the ``Authorization: Bearer`` token; 401 without a valid one.

    The look-up has a unit of its own, given back at once: were it the request's unit, every
    request would hold a pooled connection while it waits for the center's lock, and the
    lock's holder, which needs one to record its events, could find the pool empty.
    """
    if not token:
        raise NotAuthenticated("not_authenticated", "sign in first: no bearer token")
    return await cached_principal(connection, container, token)


CurrentUser = Annotated[Principal, Depends(current_user)]


async def get_unit(actor: CurrentUser, container: ContainerDep) -> AsyncIterator[AppUnit]:
    """The request's unit of work, in the signed-in user's tenant. The use case commits it;
    whatever it did not commit is rolled back when the request ends."""
    async with container.units(actor.tenant_id) as unit:
        yield unit


# scope="function": the unit ends before the response is sent.
UnitDep = Annotated[AppUnit, Depends(get_unit, scope="function")]


def require_role(needed: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets ``needed`` and higher roles through and answers 403 below.

    ``actor: Annotated[Principal, Depends(require_role("leader"))]``
    """
    if needed not in ROLE_RANK:
        raise ValueError(f"unknown role {needed!r}")

    async def dependency(user: CurrentUser) -> Principal:
        if not user.at_least(needed):
            raise Forbidden("role_required", f"requires role {needed} or higher", role=needed)
        return user

    dependency.__name__ = f"require_{needed}"
    return dependency


async def require_platform_admin(user: CurrentUser, container: ContainerDep) -> Principal:
    """An admin of the default tenant: the operator of the platform, who manages tenants."""
    if user.role != "admin" or user.tenant_id != container.settings.default_tenant:
        raise Forbidden("platform_admin_required", "requires an administrator of the platform")
    return user


async def websocket_user(websocket: WebSocket) -> Principal:
    """For WebSocket endpoints (browsers cannot set headers there): the token comes from
    ``?token=`` or the ``Authorization`` header. Closes with 1008 when it is not valid.

    Use as ``Depends(websocket_user)`` or call it with the socket before ``accept()``.
    """
    container = get_container(websocket)
    token = websocket.query_params.get("token")
    if not token:
        scheme, _, value = websocket.headers.get("authorization", "").partition(" ")
        token = value if scheme.lower() == "bearer" else None
    if not token:
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "not_authenticated")
    try:
        return await cached_principal(websocket, container, token)
    except NotAuthenticated as exc:
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, exc.code) from exc
