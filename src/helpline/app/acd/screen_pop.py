"""Screen pop (来电弹屏): when a call rings at an agent, show who is calling and their history.

Built outside the core (it reads the database) while the offer is being stored, and sent as
a :class:`ScreenPop` event to the ringing agents right after the offer. Other parts of the platform (work
orders) add their sections through ``sections``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db import sqlite_async
from helpline.adapters.db.tables.acd import CallRecord
from helpline.app.people import customers
from helpline.domain.acd.call import Call
from helpline.domain.errors import DomainError
from helpline.domain.events import CallOffered, Event, ScreenPop
from helpline.domain.people.phone import parse_phone

Section = Callable[[AsyncSession, str, dict[str, Any]], Awaitable[None]]
RECENT_CALLS = 5


class ScreenPopBuilder:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self.sections: list[Section] = []

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
        with sqlite_async.here():  # index lookups: on SQLite, in this thread
            await self._read(tenant_id, call_id, key, pop)
        pop["new_caller"] = not pop["matches"] and not pop["recent_calls"]
        return pop

    async def _read(self, tenant_id: str, call_id: str, key: str | None, pop: dict[str, Any]) -> None:
        caller = pop["caller"]
        async with self.sessionmaker() as session:
            matches = await customers.find_by_phone(session, tenant_id, caller)
            pop["matches"] = [{**customers.as_dict(m.customer), "match": m.strength} for m in matches]
            exact = [m for m in pop["matches"] if m["match"] == "exact"]
            pop["customer"] = exact[0] if len(exact) == 1 else None
            if key is not None:
                rows = (
                    await session.scalars(
                        select(CallRecord)
                        .where(
                            CallRecord.tenant_id == tenant_id,
                            CallRecord.caller_key == key,
                            CallRecord.id != call_id,
                        )
                        .order_by(CallRecord.arrived_at.desc())
                        .limit(RECENT_CALLS)
                    )
                ).all()
                pop["recent_calls"] = [
                    {
                        "id": r.id,
                        "arrived_at": r.arrived_at.isoformat(),
                        "outcome": r.outcome,
                        "agent_id": r.agent_id,
                        "queue_id": r.queue_id,
                        "talk_seconds": r.talk_seconds,
                    }
                    for r in rows
                ]
            for section in self.sections:
                await section(session, tenant_id, pop)

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
