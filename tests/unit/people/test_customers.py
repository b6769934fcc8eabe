"""The customer use cases on the in-memory fakes: checks, import and export, without a database."""

from __future__ import annotations

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.people import customer_import, customers
from helpline.domain.errors import Invalid, NotFound

CSV = (
    "name,phones,vip_level,tags,phone2,custom.工号\n"
    "张三,13800000001,2,a；b,010-12345678,7\n"
    ",13800000002,,,,\n"
    "李四,12,x,,,\n"
    "王五,,,,,\n"
    "赵六,+86 139 0000 0006,,,,\n"
)


async def test_a_bad_customer_is_refused_with_every_field_named_and_nothing_stored() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        with pytest.raises(Invalid) as refused:
            await customers.create_customer(
                uow, {"name": " ", "phones": ["12", "13812345678"], "vip_level": 9, "email": "x"}
            )
    fields = [p["field"] for p in refused.value.fields["errors"]]
    assert refused.value.code == "invalid_customer" and fields == ["name", "vip_level", "email", "phones[0]"]
    assert units.store.customers.customers == {}


async def test_import_reports_every_bad_row_with_its_line_and_keeps_the_good_ones() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        report = await customer_import.import_file(uow, "list.csv", CSV.encode("utf-8-sig"))
    assert report.as_dict() == {
        "imported": 2,
        "failed": 3,
        "errors": [
            {"row": 3, "errors": [{"field": "name", "message": "a name is required"}]},
            {
                "row": 4,
                "errors": [
                    {"field": "vip_level", "message": "'x' is not a number"},
                    {"field": "phones[0]", "message": "'12' is not a phone number"},
                ],
            },
            {"row": 5, "errors": [{"field": "phones", "message": "at least one phone number"}]},
        ],
    }
    async with units("default") as uow:
        total, stored = await customers.search_customers(uow)
        assert total == 2
        zhang = next(c for c in stored if c.name == "张三")
        assert [p.canonical for p in zhang.phones] == ["+8613800000001", "+861012345678"]
        assert (zhang.vip_level, zhang.tags, zhang.custom) == (2, ["a", "b"], {"工号": "7"})
        assert [m.customer.name for m in await customers.lookup(uow, "13900000006")] == ["赵六"]


async def test_an_unreadable_file_loads_nothing() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        with pytest.raises(Invalid) as refused:
            await customer_import.import_file(uow, "list.txt", b"name\nx")
    assert refused.value.code == "unsupported_format" and units.store.customers.customers == {}


async def test_the_export_reads_back_as_the_same_customers() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        await customer_import.import_file(uow, "list.csv", CSV.encode("utf-8"))
        exported = await customer_import.export_file(uow, "csv")
    assert (exported.filename, exported.media_type) == ("customers.csv", "text/csv; charset=utf-8")
    again = FakeUnits()
    async with again("default") as uow:
        report = await customer_import.import_file(uow, "customers.csv", exported.data)
    assert report.as_dict() == {"imported": 2, "failed": 0, "errors": []}


async def test_an_update_replaces_the_numbers_and_leaves_other_fields() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        made = await customers.create_customer(uow, {"name": "王", "phones": ["13812345678"], "vip_level": 2})
    async with units("default") as uow:
        changed = await customers.update_customer(uow, made.id, {"phones": ["0755-8888 6666"], "notes": "n"})
    assert (changed.name, changed.vip_level, changed.notes) == ("王", 2, "n")
    async with units("default") as uow:
        assert await customers.lookup(uow, "13812345678") == []
        assert [m.strength for m in await customers.lookup(uow, "8888 6666")] == ["possible"]
        with pytest.raises(NotFound):
            await customers.update_customer(uow, "nobody", {"name": "x"})
