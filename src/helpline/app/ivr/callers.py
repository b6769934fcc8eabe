"""Who is calling, as the IVR asks it (a VIP goes ahead in the queue): the customer their
number matches best, read in a unit of its own while the caller listens to the menu."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from helpline.app.ivr.ports import KnownCaller
from helpline.app.people import customers
from helpline.app.people.ports import CustomersUnit


class CustomerLookup:
    """The IVR's ``CallerLookup`` on the customers' ports: exact matches first."""

    def __init__(self, units: Callable[[str], AbstractAsyncContextManager[CustomersUnit]]) -> None:
        self.units = units

    async def __call__(self, tenant_id: str, caller: str) -> KnownCaller | None:
        async with self.units(tenant_id) as uow:
            matches = await customers.lookup(uow, caller)
        if not matches:
            return None
        return KnownCaller(matches[0].customer.id, matches[0].customer.vip_level)
