"""The people use cases on the in-memory fakes: the rules, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes.unit_of_work import FakeUnits
from helpline.app.people import users
from helpline.app.people.security import NotAuthenticated, Passwords
from helpline.app.people.user_cache import UserCache, forget_user
from helpline.domain.errors import DomainError, Forbidden, Invalid, NotFound

PASSWORDS = Passwords(profile="fast")


async def _admin(units: FakeUnits, name: str = "root") -> users.User:
    async with units("default") as uow:
        return await users.create_user(uow, PASSWORDS, username=name, password="password-1", role="admin")


async def test_a_user_is_stored_with_a_normalized_name_and_a_hashed_password() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        made = await users.create_user(
            uow, PASSWORDS, username="  ZhangSan ", password="password-1", role="agent"
        )
    assert made.username == "zhangsan" and made.display_name == "zhangsan"
    assert made.password_hash != "password-1" and PASSWORDS.verify(made.password_hash, "password-1")
    async with units("default") as uow:
        assert await users.get_user(uow, made.id) == made


async def test_bad_input_names_its_field_and_stores_nothing() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        with pytest.raises(Invalid) as bad_name:
            await users.create_user(uow, PASSWORDS, username="-x", password="password-1", role="agent")
        with pytest.raises(Invalid) as short:
            await users.create_user(uow, PASSWORDS, username="li", password="short", role="agent")
        with pytest.raises(Invalid) as role:
            await users.create_user(uow, PASSWORDS, username="li", password="password-1", role="boss")
    assert (bad_name.value.fields["field"], short.value.fields["field"], role.value.fields["field"]) == (
        "username",
        "password",
        "role",
    )
    assert units.store.people.users == {}


async def test_a_user_of_a_missing_tenant_is_refused() -> None:
    units = FakeUnits()
    async with units("nowhere") as uow:
        with pytest.raises(NotFound):
            await users.create_user(uow, PASSWORDS, username="li", password="password-1", role="agent")


async def test_a_tenant_and_its_first_admin_are_stored_together_or_not_at_all() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        with pytest.raises(Invalid):
            await users.create_tenant(
                uow, PASSWORDS, tenant_id="acme", name="Acme", admin=users.FirstAdmin("boss", "short")
            )
    assert "acme" not in units.store.people.tenants
    async with units("default") as uow:
        await users.create_tenant(
            uow, PASSWORDS, tenant_id="acme", name=" Acme 客服 ", admin=users.FirstAdmin("Boss", "password-1")
        )
    async with units("acme") as uow:
        (admin,) = await users.list_users(uow)
        tenant = await uow.tenants.get("acme")
    assert (admin.username, admin.role) == ("boss", "admin")
    assert tenant is not None and tenant.name == "Acme 客服"
    async with units("default") as uow:
        with pytest.raises(DomainError) as again:
            await users.create_tenant(uow, PASSWORDS, tenant_id="acme", name="Acme")
    assert again.value.code == "tenant_exists"


async def test_nobody_changes_their_own_role_or_disables_themselves() -> None:
    units = FakeUnits()
    admin = await _admin(units)
    for changes in (users.UserChanges(role="agent"), users.UserChanges(is_active=False)):
        async with units("default") as uow:
            with pytest.raises(Forbidden):
                await users.update_user(uow, PASSWORDS, user_id=admin.id, changes=changes, actor_id=admin.id)
    async with units("default") as uow:
        assert await users.get_user(uow, admin.id) == admin


async def test_a_demotion_drops_the_cached_sign_in() -> None:
    units = FakeUnits()
    admin = await _admin(units)
    agent = await _admin(units, "wang")
    cache: UserCache[str] = UserCache()
    cache.put("default", agent.id, "cached")
    async with units("default") as uow:
        changed = await users.update_user(
            uow, PASSWORDS, user_id=agent.id, changes=users.UserChanges(role="agent"), actor_id=admin.id
        )
    assert changed.role == "agent"
    assert cache.get("default", agent.id) is None
    forget_user("default", agent.id)


async def test_sign_in_refuses_alike_whoever_is_missing() -> None:
    units = FakeUnits()
    await _admin(units)
    async with units("default") as uow:
        found = await users.authenticate(uow, PASSWORDS, username="ROOT", password="password-1")
        assert found.username == "root"
        codes = []
        for name, password in (("nobody", "password-1"), ("root", "wrong-pass")):
            with pytest.raises(NotAuthenticated) as refused:
                await users.authenticate(uow, PASSWORDS, username=name, password=password)
            codes.append(refused.value.code)
    assert codes == ["bad_credentials", "bad_credentials"]


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,20}", fullmatch=True))
def test_usernames_compare_without_case_or_surrounding_space(name: str) -> None:
    assert (
        users.normalize_username(f"  {name}  ") == users.normalize_username(name.swapcase()) == name.lower()
    )
