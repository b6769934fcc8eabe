"""Screen pop (来电弹屏): when a call rings at an agent, show who is calling and their history.

Built outside the core (it reads storage, in a unit of work of the call's tenant) while the
offer is being stored, and sent as a :class:`ScreenPop` event to the ringing agents right
after the offer. Other parts of the platform (work orders) add their sections through
``sections``: each is given the same unit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, Protocol, TypeVar

from helpline.domain.acd.call import Call
from helpline.domain.errors import DomainError
from helpline.domain.events import CallOffered, Event, ScreenPop
from helpline.domain.people.phone import parse_phone

RECENT_CALLS = 5


class ScreenPopReads(Protocol):
    """What the pop reads of the caller in the unit's tenant."""

    async def customers_by_phone(self, number: str) -> list[dict[str, Any]]:
        """Customers the number matches (their ``as_dict`` and ``match``), exact first."""
        ...

    async def recent_calls(self, caller_key: str, except_call: str, limit: int) -> list[dict[str, Any]]:
        """The caller's latest calls but this one, newest first."""
        ...


class PopUnit(Protocol):
    @property
    def screen_pop(self) -> ScreenPopReads: ...


U = TypeVar("U", bound=PopUnit)


class ScreenPopBuilder(Generic[U]):
    """``units`` opens a unit of the call's tenant; ``sections`` add to the pop from it."""

    def __init__(self, units: Callable[[str], AbstractAsyncContextManager[U]]) -> None:
        self.units = units
        self.sections: list[Callable[[U, dict[str, Any]], Awaitable[None]]] = []

    async def build(
        self, tenant_id: str, call_id: str, caller: str, ivr: dict[str, Any], queue_id: str | None
    ) -> dict[str, Any]:
        pop: dict[str, Any] = {
            "call_id": call_id,
            "caller": caller,
            "queue_id": queue_id,
            "ivr": ivr,
            "customer": None,
            "matches": [],
            "recent_calls": [],
        }
        try:
            number = parse_phone(caller)
            pop["caller_display"], key = number.display, number.match_keys()[0]
        except DomainError:
            pop["caller_display"], key = caller, None
        await self._read(tenant_id, call_id, key, pop)  # index lookups: units for small statements
        pop["new_caller"] = not pop["matches"] and not pop["recent_calls"]
        return pop

    async def _read(self, tenant_id: str, call_id: str, key: str | None, pop: dict[str, Any]) -> None:
        async with self.units(tenant_id) as uow:
            pop["matches"] = await uow.screen_pop.customers_by_phone(pop["caller"])
            exact = [m for m in pop["matches"] if m["match"] == "exact"]
            pop["customer"] = exact[0] if len(exact) == 1 else None
            if key is not None:
                pop["recent_calls"] = await uow.screen_pop.recent_calls(key, call_id, RECENT_CALLS)
            for section in self.sections:
                await section(uow, pop)

    async def for_offer(self, event: CallOffered, call: Call | None) -> list[Event]:
        if call is None or "consult_for" in call.data:
            return []
        pop = await self.build(
            event.tenant_id, event.call_id, call.caller, dict(call.data.get("ivr") or {}), event.queue_id
        )
        return [
            ScreenPop(
                tenant_id=event.tenant_id,
                at=event.at,
                call_id=event.call_id,
                agent_ids=event.agent_ids,
                pop=pop,
            )
        ]
