"""The IVR's look-up of who is calling, on the customers' fakes: the best match, or nobody."""

from __future__ import annotations

from fakes.unit_of_work import FakeUnits
from helpline.app.ivr.callers import CustomerLookup
from helpline.app.people import customers


async def test_a_known_number_in_any_spelling_finds_the_customer_and_their_vip_level() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        vip = await customers.create_customer(
            uow, {"name": "王总", "phones": ["13812345678"], "vip_level": 3}
        )
    lookup = CustomerLookup(units)
    found = await lookup("default", "+86 138-1234-5678")
    assert found is not None and (found.customer_id, found.vip_level) == (vip.id, 3)
    assert await lookup("default", "13900000000") is None
    assert await lookup("other", "13812345678") is None  # another tenant's customer is not there
