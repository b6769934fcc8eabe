"""The customer port: the in-memory fake and the database adapters (SQLite and PostgreSQL)
keep customers with several numbers alike and match callers alike, in every spelling."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.people import customers
from helpline.app.people.ports import CustomersUnit
from helpline.bootstrap import Container
from helpline.domain.people.accounts import Tenant

Units = Callable[[str], AbstractAsyncContextManager[CustomersUnit]]
WANG = {"name": "王小明", "phones": ["138-1234-5678", "(010) 6552 8888 转 801"], "vip_level": 3}
LI = {"name": "李四", "phones": ["6552 8888"]}  # kept without its area code
ZHAO = {"name": "赵六", "phones": ["0755-8888 6666"], "vip_level": 5}


async def _add(units: Units, *values: dict[str, object], tenant: str = "default") -> list[str]:
    async with units(tenant) as uow:
        added = [await customers.add_customer(uow, dict(v)) for v in values]
        await uow.commit()
    return [c.id for c in added]


async def _lookup(units: Units, raw: str, tenant: str = "default") -> list[tuple[str, str]]:
    async with units(tenant) as uow:
        return [(m.customer.name, m.strength) for m in await customers.lookup(uow, raw)]


class CustomersContract:
    async def test_a_customer_keeps_every_number_in_order(self, units: Units) -> None:
        [wang] = await _add(units, WANG)
        async with units("default") as uow:
            stored = await uow.customers.get(wang)
        assert stored is not None and stored.created_at is not None
        assert [(p.raw, p.canonical, p.kind) for p in stored.phones] == [
            ("138-1234-5678", "+8613812345678", "mobile"),
            ("(010) 6552 8888 转 801", "+861065528888;ext=801", "landline"),
        ]
        assert (stored.name, stored.vip_level, stored.tags, stored.custom) == ("王小明", 3, [], {})

    @pytest.mark.parametrize(
        "spelling",
        ["+86 138 1234 5678", "008613812345678", "13812345678", "86-13812345678", "0138 1234 5678"],
    )
    async def test_a_mobile_matches_exactly_in_every_spelling(self, units: Units, spelling: str) -> None:
        await _add(units, WANG, LI)
        assert await _lookup(units, spelling) == [("王小明", "exact")]

    @pytest.mark.parametrize(
        "spelling",
        ["010-6552 8888", "+86 10 6552 8888", "0086 10 65528888", "(010) 65528888-8", "01065528888"],
    )
    async def test_a_landline_with_its_area_code_matches_exactly_whatever_the_extension(
        self, units: Units, spelling: str
    ) -> None:
        await _add(units, WANG, LI)
        # as today: a record kept without its area code is not offered for the full number
        assert await _lookup(units, spelling) == [("王小明", "exact")]

    async def test_a_number_without_area_code_matches_its_own_kind_first(self, units: Units) -> None:
        await _add(units, WANG, LI)
        assert await _lookup(units, "6552 8888") == [("李四", "exact"), ("王小明", "possible")]

    async def test_exact_matches_come_first_then_the_higher_vip_level(self, units: Units) -> None:
        await _add(units, LI, {**ZHAO, "phones": ["010-65528888"]}, WANG)
        assert await _lookup(units, "+861065528888") == [("赵六", "exact"), ("王小明", "exact")]
        assert await _lookup(units, "65528888") == [
            ("李四", "exact"),
            ("赵六", "possible"),
            ("王小明", "possible"),
        ]

    async def test_no_match_and_no_number_find_nobody(self, units: Units) -> None:
        await _add(units, WANG)
        assert await _lookup(units, "13900000000") == []
        assert await _lookup(units, "not a number") == []

    async def test_a_tenant_sees_only_its_own_customers(self, units: Units) -> None:
        [wang] = await _add(units, WANG)
        await _add(units, {**WANG, "name": "别家的王"}, tenant="other")
        assert await _lookup(units, "13812345678") == [("王小明", "exact")]
        assert await _lookup(units, "13812345678", tenant="other") == [("别家的王", "exact")]
        async with units("other") as uow:
            assert await uow.customers.get(wang) is None
            assert await uow.customers.get_many([wang]) == []

    async def test_saving_replaces_the_numbers_and_removing_forgets_them(self, units: Units) -> None:
        [wang] = await _add(units, WANG)
        async with units("default") as uow:
            await customers.update_customer(uow, wang, {"phones": ["0755-8888 6666"], "notes": "搬家"})
        assert await _lookup(units, "13812345678") == []
        assert await _lookup(units, "075588886666") == [("王小明", "exact")]
        async with units("default") as uow:
            await customers.delete_customer(uow, wang)
        assert await _lookup(units, "075588886666") == []

    async def test_search_by_text_and_number_pages_by_name(self, units: Units) -> None:
        await _add(units, WANG, LI, ZHAO, {"name": "王五", "phones": ["13900000005"], "address": "朝阳区"})
        async with units("default") as uow:
            total, page = await uow.customers.search(text="王", limit=1)
            assert (total, [c.name for c in page]) == (2, ["王五"])
            _, rest = await uow.customers.search(text="王", offset=1)
            assert [c.name for c in rest] == ["王小明"]
            assert (await uow.customers.search(text="朝阳"))[0] == 1
            total, matched = await customers.search_customers(uow, phone="6552 8888")
            assert (total, [c.name for c in matched]) == (2, ["李四", "王小明"])
            assert await customers.search_customers(uow, phone="nothing") == (0, [])


class TestFakes(CustomersContract):
    @pytest.fixture
    def units(self) -> Units:
        return FakeUnits()


class TestDatabase(CustomersContract):
    @pytest.fixture
    async def units(self, container: Container) -> Units:
        async with container.units("default") as uow:  # a customer's tenant must exist
            await uow.tenants.add(Tenant("other", "Other"))
            await uow.commit()
        return container.units
