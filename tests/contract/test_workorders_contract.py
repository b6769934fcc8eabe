"""The work-order ports: the in-memory fakes and the database adapters (SQLite and
PostgreSQL) must answer alike. The read model (``WorkOrderReads``: search by caller in any
spelling, by customer) has no fake; its checks run on the databases only."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from typing import Any

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.adapters.db.tables.people import Customer
from helpline.app.workorders.notify import holders_of
from helpline.app.workorders.ports import OrderFilter, WorkOrdersUnit
from helpline.bootstrap import Container
from helpline.domain.errors import NotFound
from helpline.domain.people.accounts import Tenant, User
from helpline.domain.workorders.content import ContentRules
from helpline.domain.workorders.order import Actor, Attachment, Role, WorkOrder
from helpline.domain.workorders.records import FileMeta, UnitRecord

Units = Callable[[str], AbstractAsyncContextManager[WorkOrdersUnit]]
NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC).timestamp()  # 12:00 in Beijing
AGENT = Actor("agent-1", Role.AGENT)


async def _open(
    uow: WorkOrdersUnit, *, at: float = NOON, call_id: str | None = None, caller: str = "13800138000"
) -> WorkOrder:
    [number] = await uow.workorders.issue_numbers(at, 1)
    order, _ = WorkOrder.open(
        str(uuid.uuid4()), uow.tenant_id, number, AGENT, at, call_id=call_id, caller_number=caller
    )
    await uow.workorders.add([order])
    return order


def _user(name: str) -> User:
    return User(id="", tenant_id="", username=name, password_hash="h", role="agent", display_name=name)


def _whole(order: WorkOrder) -> tuple[Any, ...]:
    return (order.as_dict(), order.timeline, order.comments, order.attachments)


class WorkOrdersContract:
    """Every check here runs on each implementation (fixture ``units``)."""

    async def test_an_order_saved_with_its_timeline_comments_and_files_loads_whole(
        self, units: Units
    ) -> None:
        async with units("default") as uow:
            order = await _open(uow)
            await uow.commit()
        async with units("default") as uow:
            loaded = await uow.workorders.get(order.id, lock=True)
            rules = ContentRules()
            loaded.edit(
                AGENT,
                NOON + 1,
                {"summary": "停电三天了", "location": "朝阳区", "category": "complaint"},
                rules,
            )
            loaded.comment(AGENT, NOON + 2, "已致电供电公司")
            file = Attachment(str(uuid.uuid4()), "photo.jpg", "image/jpeg", 3, "default/o/k")
            loaded.attach(AGENT, NOON + 3, file)
            await uow.workorders.save([loaded], {file.id: FileMeta("abc", "agent-1", NOON + 3)})
            await uow.commit()
        async with units("default") as uow:
            again = await uow.workorders.get(order.number)
            found = await uow.workorders.attachment(order.id, file.id)
            holders = await uow.workorders.holders([order.id])
        assert _whole(again) == _whole(loaded)
        assert [e.action for e in again.timeline] == ["open", "edit", "comment", "attach"]
        assert found == (file, FileMeta("abc", "agent-1", NOON + 3))
        assert holders == {order.id: holders_of(again)} and holders[order.id].owner_id == "agent-1"

    async def test_an_order_is_found_by_id_or_number_only_in_its_tenant(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.tenants.add(Tenant("other", "Other"))
            order = await _open(uow)
            await uow.commit()
        async with units("default") as uow:
            assert (await uow.workorders.get(order.number.lower())).id == order.id
            assert await uow.workorders.id_of(order.number) == order.id
        async with units("other") as uow:
            with pytest.raises(NotFound):
                await uow.workorders.get(order.id)
            assert await uow.workorders.load_many([order.id]) == {}
            assert await uow.workorders.attachment(order.id, "x") is None

    async def test_numbers_count_per_tenant_and_local_day_without_gaps(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.tenants.add(Tenant("other", "Other"))
            first = await uow.workorders.issue_numbers(NOON, 2)
            more = await uow.workorders.issue_numbers(NOON + 60, 1, prefix="BJ")
            next_day = await uow.workorders.issue_numbers(NOON + 86400, 1)
            await uow.commit()
        async with units("other") as uow:
            theirs = await uow.workorders.issue_numbers(NOON, 1)
        assert [n[-4:] for n in first + more] == ["0001", "0002", "0003"] and more[0].startswith("BJ")
        assert next_day[0][-4:] == "0001" and next_day[0] != first[0]
        assert theirs[0] == first[0]

    async def test_calls_lead_to_their_first_order(self, units: Units) -> None:
        async with units("default") as uow:
            order = await _open(uow, call_id="call-1")
            second = await _open(uow)
            await uow.workorders.link_call(second.id, "call-1", NOON)
            await uow.workorders.link_call(order.id, "call-1", NOON)  # once
            await uow.commit()
        async with units("default") as uow:
            assert await uow.workorders.orders_for_calls(["call-1", "call-2"]) == {"call-1": order.id}
            loaded = await uow.workorders.load_many([order.id, second.id, "nothing"])
        assert set(loaded) == {order.id, second.id}

    async def test_units_handlers_and_heads(self, units: Units) -> None:
        async with units("default") as uow:
            u1, u2, head = [(await uow.users.add(_user(name))).id for name in ("u1", "u2", "head")]
            config = uow.workorder_config
            await config.save_unit(UnitRecord("water", "自来水公司", head, {"always": True}, 24.0))
            await config.save_unit(UnitRecord("gas", "燃气公司"))
            await config.set_members("water", [u1, u2])
            await config.set_members("gas", [u2])  # u2 moves
            await uow.commit()
        async with units("default") as uow:
            config = uow.workorder_config
            assert [u.id for u in await config.units()] == ["gas", "water"]
            assert await config.unit("water") == UnitRecord(
                "water", "自来水公司", head, {"always": True}, 24.0
            )
            assert await config.members("water") == [u1]
            assert await config.handler_units(u2) == ["gas"]
            assert await config.handler_units(head) == ["water"]
            assert await config.unit_people(["water", "gas"]) == {"water": {u1, head}, "gas": {u2}}
            await config.delete_unit("water")
            await uow.commit()
        async with units("default") as uow:
            assert await uow.workorder_config.unit("water") is None
            assert await uow.workorder_config.members("water") == []

    async def test_the_duty_roster_keeps_its_shifts(self, units: Units) -> None:
        async with units("default") as uow:
            first = await uow.workorder_config.add_shift("leader-1", "08:00-20:00", [0, 1, 2], None)
            second = await uow.workorder_config.add_shift("leader-2", "20:00-08:00", [], date(2026, 3, 2))
            await uow.commit()
        async with units("default") as uow:
            shifts = await uow.workorder_config.shifts()
            assert [(s.leader_id, s.hours, s.weekdays, s.day) for s in shifts] == [
                ("leader-1", "08:00-20:00", [0, 1, 2], None),
                ("leader-2", "20:00-08:00", [], date(2026, 3, 2)),
            ]
            assert await uow.workorder_config.delete_shift(first.id)
            assert not await uow.workorder_config.delete_shift(first.id)
            await uow.commit()
        async with units("default") as uow:
            assert [s.id for s in await uow.workorder_config.shifts()] == [second.id]

    async def test_settings_are_the_tenants(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.workorder_config.save_settings({"number_prefix": "BJ"})
            await uow.commit()
        async with units("default") as uow:
            assert await uow.workorder_config.settings() == {"number_prefix": "BJ"}
        async with units("nowhere") as uow:
            with pytest.raises(NotFound):
                await uow.workorder_config.settings()


class TestFakes(WorkOrdersContract):
    @pytest.fixture
    def units(self) -> Units:
        return FakeUnits()  # type: ignore[return-value]


class TestDatabase(WorkOrdersContract):
    @pytest.fixture
    def units(self, container: Container) -> Units:
        return container.units

    async def test_numbers_are_unique_under_concurrency(self, container: Container) -> None:
        async def take() -> list[str]:
            async with container.units("default") as uow:
                numbers = await uow.workorders.issue_numbers(NOON, 3)
                await uow.commit()
                return numbers

        taken = [n for numbers in await asyncio.gather(*(take() for _ in range(5))) for n in numbers]
        assert sorted(n[-4:] for n in taken) == [f"{i:04d}" for i in range(1, 16)]

    async def test_orders_are_found_by_caller_in_any_spelling_and_by_customer(
        self, container: Container
    ) -> None:
        async with container.sessionmaker() as session, session.begin():
            customer = Customer(tenant_id="default", name="王芳")
            session.add(customer)
        async with container.units("default") as uow:
            landline = await _open(uow, caller="+86 10 6552 8888")
            other = await _open(uow, caller="13900000000")
            other.edit(AGENT, NOON + 1, {"customer_id": customer.id}, ContentRules())
            await uow.workorders.save([other])
            await uow.commit()
        async with container.units("default") as uow:
            reads = uow.workorder_reads
            for spelling in ("6552 8888", "010-65528888", "+86 10 6552 8888"):
                total, items = await reads.search(OrderFilter(caller=spelling), offset=0, limit=10)
                assert (total, [i["id"] for i in items]) == (1, [landline.id]), spelling
            _, by_customer = await reads.search(OrderFilter(customer="王"), offset=0, limit=10)
            pop = await reads.caller_orders("13900000000", customer.id)
        assert [i["id"] for i in by_customer] == [other.id]
        assert [i["id"] for i in pop["open"]] == [other.id]
        assert by_customer[0]["customer_name"] == "王芳"
