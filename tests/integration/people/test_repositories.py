"""The people use cases against the real databases, without HTTP."""

from __future__ import annotations

import pytest

from helpline.app.people import users
from helpline.app.people.security import NotAuthenticated
from helpline.bootstrap import Container
from helpline.domain.errors import DomainError, Invalid, NotFound
from helpline.domain.people.accounts import User


async def _add(container: Container, tenant: str, username: str, role: str = "agent") -> User:
    async with container.units(tenant) as uow:
        return await users.create_user(
            uow, container.passwords, username=username, password="password-1", role=role
        )


async def test_create_user_checks_its_input(container: Container) -> None:
    await _add(container, "default", "he")
    with pytest.raises(DomainError) as taken:
        await _add(container, "default", "He")
    assert taken.value.code == "username_taken"
    with pytest.raises(Invalid) as bad_role:
        await _add(container, "default", "li", role="boss")
    assert bad_role.value.code == "invalid_role"
    with pytest.raises(NotFound) as no_tenant:
        await _add(container, "nowhere", "li")
    assert no_tenant.value.code == "tenant_not_found"


async def test_authenticate(container: Container) -> None:
    user = await _add(container, "default", "guo")
    async with container.units("default") as uow:
        found = await users.authenticate(uow, container.passwords, username="GUO", password="password-1")
        assert found.id == user.id
        with pytest.raises(NotAuthenticated):
            await users.authenticate(uow, container.passwords, username="guo", password="nope")


async def test_created_at_is_aware_utc(container: Container) -> None:
    user = await _add(container, "default", "tz")
    async with container.units("default") as uow:
        loaded = await uow.users.get(user.id)
    assert loaded is not None and loaded.created_at is not None
    offset = loaded.created_at.utcoffset()
    assert offset is not None and offset.total_seconds() == 0


async def test_container_runs_hooks_and_closes_once(container: Container) -> None:
    calls: list[str] = []

    async def stop_a() -> None:
        calls.append("a")

    async def stop_b() -> None:
        calls.append("b")

    container.on_shutdown(stop_a)
    container.on_shutdown(stop_b)
    await container.aclose()
    await container.aclose()
    assert calls == ["b", "a"]
