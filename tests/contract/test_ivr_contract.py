"""The IVR flow port: the in-memory fake and the database adapter (SQLite and PostgreSQL)
must answer alike."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.ivr.ports import IvrUnit
from helpline.bootstrap import Container
from helpline.domain.ivr.records import IvrFlowRecord
from helpline.domain.people.accounts import Tenant

Units = Callable[[str], AbstractAsyncContextManager[IvrUnit]]
DEFINITION = {"start": "bye", "nodes": {"bye": {"type": "hangup"}}}


def _flow(flow_id: str, numbers: list[str], *, active: bool = True, name: str = "menu") -> IvrFlowRecord:
    return IvrFlowRecord(flow_id, name=name, numbers=numbers, active=active, definition=DEFINITION)


class IvrContract:
    async def test_a_flow_is_put_read_replaced_and_deleted(self, units: Units) -> None:
        async with units("default") as uow:
            stored = await uow.ivr_flows.put(_flow("default", ["4008001234"]))
            await uow.ivr_flows.put(_flow("after-hours", []))
            await uow.commit()
        assert stored.tenant_id == "default" and stored.updated_at is not None
        async with units("default") as uow:
            assert await uow.ivr_flows.get("default") == stored
            assert [f.id for f in await uow.ivr_flows.list()] == ["after-hours", "default"]
            replaced = await uow.ivr_flows.put(_flow("default", ["4008005678"], name="new", active=False))
            await uow.commit()
        async with units("default") as uow:
            found = await uow.ivr_flows.get("default")
            assert found is not None
            assert (found.name, found.numbers, found.active) == ("new", ["4008005678"], False)
            assert found == replaced
            await uow.ivr_flows.delete("default")
            await uow.commit()
        async with units("default") as uow:
            assert await uow.ivr_flows.get("default") is None
            assert [f.id for f in await uow.ivr_flows.list()] == ["after-hours"]

    async def test_a_tenant_reads_only_its_flows_but_every_active_one_answers_numbers(
        self, units: Units
    ) -> None:
        async with units("default") as uow:
            await uow.ivr_flows.put(_flow("default", ["100"]))
            await uow.ivr_flows.put(_flow("off", ["300"], active=False))
            await uow.commit()
        async with units("other") as uow:
            assert await uow.ivr_flows.get("default") is None and await uow.ivr_flows.list() == []
            await uow.ivr_flows.put(_flow("default", ["200"]))
            await uow.commit()
            everywhere = await uow.ivr_flows.active_everywhere()
        assert sorted((f.tenant_id, f.id, tuple(f.numbers)) for f in everywhere) == [
            ("default", "default", ("100",)),
            ("other", "default", ("200",)),
        ]


class TestFakes(IvrContract):
    @pytest.fixture
    def units(self) -> Units:
        fake = FakeUnits()
        fake.store.people.tenants["other"] = Tenant("other", "Other")
        return fake


class TestDatabase(IvrContract):
    @pytest.fixture
    async def units(self, container: Container) -> Units:
        async with container.units("default") as uow:
            await uow.tenants.add(Tenant("other", "Other"))
            await uow.commit()
        return container.units
