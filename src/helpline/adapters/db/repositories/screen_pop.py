"""What the screen pop reads of a caller in the database (``ScreenPopReads`` of
``helpline.app.acd.screen_pop``): the customers their number matches and their last calls."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.customers import SqlCustomerRepository
from helpline.adapters.db.tables.acd import CallRecord
from helpline.app.people import customers


class SqlScreenPopReads:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def customers_by_phone(self, number: str) -> list[dict[str, Any]]:
        matches = await customers.match_phone(SqlCustomerRepository(self.session, self.tenant_id), number)
        return [{**customers.as_dict(m.customer), "match": m.strength} for m in matches]

    async def recent_calls(self, caller_key: str, except_call: str, limit: int) -> list[dict[str, Any]]:
        rows = await self.session.scalars(
            select(CallRecord)
            .where(
                CallRecord.tenant_id == self.tenant_id,
                CallRecord.caller_key == caller_key,
                CallRecord.id != except_call,
            )
            .order_by(CallRecord.arrived_at.desc())
            .limit(limit)
        )
        return [
            {
                "id": r.id,
                "arrived_at": r.arrived_at.isoformat(),
                "outcome": r.outcome,
                "agent_id": r.agent_id,
                "queue_id": r.queue_id,
                "talk_seconds": r.talk_seconds,
            }
            for r in rows.all()
        ]
