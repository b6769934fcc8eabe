"""Repositories and use cases against the real databases, without HTTP."""

from __future__ import annotations

import pytest

from helpline.adapters.db.repositories.people import UserRepository
from helpline.adapters.db.tables.people import User
from helpline.app.people import users
from helpline.app.people.security import NotAuthenticated
from helpline.bootstrap import Container
from helpline.domain.errors import DomainError, Invalid, NotFound


async def _add(container: Container, tenant: str, username: str, role: str = "agent") -> User:
    async with container.sessionmaker() as session, session.begin():
        return await users.create_user(
            session,
            container.passwords,
            tenant_id=tenant,
            username=username,
            password="password-1",
            role=role,
        )


async def test_tenant_scoped_repository_sees_only_its_tenant(container: Container) -> None:
    async with container.sessionmaker() as session, session.begin():
        await users.create_tenant(session, tenant_id="other", name="Other")
    mine = await _add(container, "default", "ma")
    theirs = await _add(container, "other", "ma")
    async with container.sessionmaker() as session:
        repo = UserRepository(session, "default")
        assert await repo.get(mine.id) is not None
        assert await repo.get(theirs.id) is None
        assert [u.id for u in await repo.list()] == [mine.id]
        assert await repo.count() == 1
        with pytest.raises(ValueError, match="belongs to tenant"):
            await repo.add(User(tenant_id="other", username="x", password_hash="x", role="agent"))


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
    async with container.sessionmaker() as session:
        found = await users.authenticate(
            session, container.passwords, tenant_id="default", username="GUO", password="password-1"
        )
        assert found.id == user.id
        with pytest.raises(NotAuthenticated):
            await users.authenticate(
                session, container.passwords, tenant_id="default", username="guo", password="nope"
            )


async def test_created_at_is_aware_utc(container: Container) -> None:
    user = await _add(container, "default", "tz")
    async with container.sessionmaker() as session:
        loaded = await UserRepository(session, "default").get(user.id)
    assert loaded is not None
    assert loaded.created_at.utcoffset() is not None
    assert loaded.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


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
