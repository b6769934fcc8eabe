"""The people ports, and the unit of work itself: the in-memory fakes and the database
adapters (SQLite and PostgreSQL) must answer alike."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.people.ports import PeopleUnit
from helpline.bootstrap import Container
from helpline.domain.errors import DomainError
from helpline.domain.events import Event
from helpline.domain.people.accounts import Tenant, User

Units = Callable[[str], AbstractAsyncContextManager[PeopleUnit]]


def _user(name: str, role: str = "agent") -> User:
    return User(id="", tenant_id="", username=name, password_hash="h", role=role, display_name=name)


class PeopleContract:
    """Every check here runs on each implementation (fixture ``units``)."""

    async def test_a_user_added_and_committed_is_found_by_id_and_name(self, units: Units) -> None:
        async with units("default") as uow:
            added = await uow.users.add(_user("zhang"))
            await uow.commit()
        assert added.id and added.tenant_id == "default" and added.created_at is not None
        async with units("default") as uow:
            by_id = await uow.users.get(added.id)
            by_name = await uow.users.by_username("zhang")
        assert by_id == by_name == added

    async def test_a_tenant_sees_only_its_own_users(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.tenants.add(Tenant("other", "Other"))
            mine = await uow.users.add(_user("li"))
            theirs = await uow.users_of("other").add(_user("li"))
            await uow.commit()
        async with units("default") as uow:
            assert await uow.users.get(theirs.id) is None
            assert [u.id for u in await uow.users.list()] == [mine.id]
        async with units("other") as uow:
            assert [u.id for u in await uow.users.list()] == [theirs.id]

    async def test_list_filters_and_orders_by_username(self, units: Units) -> None:
        async with units("default") as uow:
            for name, role in [("wu", "leader"), ("an", "agent"), ("bo", "agent")]:
                await uow.users.add(_user(name, role))
            await uow.commit()
        async with units("default") as uow:
            assert [u.username for u in await uow.users.list()] == ["an", "bo", "wu"]
            assert [u.username for u in await uow.users.list(role="agent")] == ["an", "bo"]

    async def test_a_taken_username_is_refused(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.users.add(_user("he"))
            await uow.commit()
        async with units("default") as uow:
            with pytest.raises(DomainError) as taken:
                await uow.users.add(_user("he"))
        assert taken.value.code == "username_taken"

    async def test_saved_changes_are_kept(self, units: Units) -> None:
        async with units("default") as uow:
            user = await uow.users.add(_user("guo"))
            await uow.commit()
        async with units("default") as uow:
            user.role, user.is_active, user.locale = "leader", False, "en"
            await uow.users.save(user)
            await uow.commit()
        async with units("default") as uow:
            assert await uow.users.get(user.id) == user

    async def test_leaving_without_commit_keeps_nothing_and_runs_nothing(self, units: Units) -> None:
        ran: list[str] = []
        async with units("default") as uow:
            await uow.users.add(_user("ghost"))
            uow.after_commit(lambda: ran.append("after"))
        async with units("default") as uow:
            assert await uow.users.by_username("ghost") is None
        assert ran == []

    async def test_after_commit_actions_run_once_after_the_commit_in_order(self, units: Units) -> None:
        ran: list[str] = []
        async with units("default") as uow:
            await uow.users.add(_user("first"))
            uow.after_commit(lambda: ran.append("one"))

            async def second() -> None:
                ran.append("two")

            uow.after_commit(second)
            assert ran == []
            await uow.commit()
            assert ran == ["one", "two"]
            await uow.commit()
        assert ran == ["one", "two"]

    async def test_rollback_forgets_the_work_and_its_actions(self, units: Units) -> None:
        ran: list[str] = []
        async with units("default") as uow:
            await uow.users.add(_user("gone"))
            uow.after_commit(lambda: ran.append("x"))
            await uow.rollback()
            await uow.users.add(_user("kept"))
            await uow.commit()
        async with units("default") as uow:
            assert [u.username for u in await uow.users.list()] == ["kept"]
        assert ran == []

    async def test_tenants_are_listed_by_id(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.tenants.add(Tenant("zeta", "Z"))
            await uow.tenants.add(Tenant("acme", "Acme 客服"))
            await uow.commit()
        async with units("default") as uow:
            assert [t.id for t in await uow.tenants.list()] == ["acme", "default", "zeta"]
            acme = await uow.tenants.get("acme")
        assert acme is not None and acme.name == "Acme 客服" and acme.created_at is not None


class TestFakes(PeopleContract):
    @pytest.fixture
    def units(self) -> Units:
        return FakeUnits()

    async def test_events_are_published_only_after_commit(self) -> None:
        fake = FakeUnits()
        event = Event(tenant_id="default", at=0.0)
        async with fake("default") as uow:
            uow.publish([event])
            assert fake.store.published == []
            await uow.commit()
        assert fake.store.published == [event]


class TestDatabase(PeopleContract):
    @pytest.fixture
    def units(self, container: Container) -> Units:
        return container.units

    async def test_events_are_published_only_after_commit(self, container: Container) -> None:
        before = container.bus.last_seq("default")
        async with container.units("default") as uow:
            uow.publish([Event(tenant_id="default", at=0.0)])
            assert container.bus.last_seq("default") == before
            await uow.commit()
        assert container.bus.last_seq("default") == before + 1
