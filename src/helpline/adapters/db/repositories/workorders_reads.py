"""The read side of work orders and what they read of their peers' records, bound to one
tenant (``WorkOrderReads`` and ``WorkOrderPeers`` of ``helpline.app.workorders.ports``).
The statements themselves are in ``workorders_queries`` and ``workorders_views``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories import workorders_queries as queries
from helpline.adapters.db.repositories import workorders_views as views
from helpline.adapters.db.repositories.customers import SqlCustomerRepository
from helpline.adapters.db.tables.acd import CallRecord
from helpline.adapters.db.tables.people import Customer, User
from helpline.app.people import customers
from helpline.app.timefmt import epoch
from helpline.app.workorders.ports import OrderFilter
from helpline.domain.workorders.order import WorkOrder

View = dict[str, Any]


class SqlWorkOrderReads:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def search(
        self, f: OrderFilter, *, offset: int, limit: int, scores: Mapping[str, float] | None = None
    ) -> tuple[int, list[View]]:
        total, rows = await queries.search(
            self.session, self.tenant_id, f, offset=offset, limit=limit, scores=scores
        )
        return total, await views.summaries(self.session, rows)

    async def mine(
        self,
        user_id: str,
        units: Sequence[str],
        states: Sequence[str],
        now: float,
        *,
        offset: int,
        limit: int,
    ) -> tuple[int, list[View]]:
        total, rows = await queries.mine(
            self.session, self.tenant_id, user_id, units, states, offset=offset, limit=limit
        )
        return total, await views.summaries(self.session, rows, now, clocks=True)

    async def leader_inbox(self, now: float, *, offset: int, limit: int) -> tuple[int, list[View]]:
        total, rows = await queries.leader_inbox(self.session, self.tenant_id, offset=offset, limit=limit)
        return total, await views.summaries(self.session, rows, now, clocks=True)

    async def due_clocks(
        self,
        now: float,
        *,
        kinds: Sequence[str] = (),
        overdue_only: bool = False,
        user_id: str | None = None,
        units: Sequence[str] = (),
    ) -> list[View]:
        return await queries.due_clocks(
            self.session,
            self.tenant_id,
            now,
            kinds=kinds,
            overdue_only=overdue_only,
            user_id=user_id,
            units=units,
        )

    async def calls_without_order(
        self, *, since: datetime | None, until: datetime | None, offset: int, limit: int
    ) -> tuple[int, list[View]]:
        return await queries.calls_without_order(
            self.session, self.tenant_id, since=since, until=until, offset=offset, limit=limit
        )

    async def sla_events(
        self,
        *,
        types: Sequence[str],
        since: datetime | None,
        until: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[View]]:
        return await queries.sla_events(
            self.session, self.tenant_id, types=types, since=since, until=until, offset=offset, limit=limit
        )

    async def caller_orders(
        self, caller: str, customer_id: str | None, limit: int = 5
    ) -> dict[str, list[View]]:
        return await queries.caller_orders(self.session, self.tenant_id, caller, customer_id, limit)

    async def order_view(self, order: WorkOrder, now: float) -> View:
        return await views.order_view(self.session, order, now)


class SqlWorkOrderPeers:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def call(self, call_id: str) -> tuple[str, float | None] | None:
        call = await self.session.get(CallRecord, call_id)
        if call is None or call.tenant_id != self.tenant_id:
            return None
        return (call.callee if call.direction == "outbound" else call.caller), epoch(call.ended_at)

    async def customer_exists(self, customer_id: str) -> bool:
        found = await self.session.scalar(
            select(Customer.id).where(Customer.tenant_id == self.tenant_id, Customer.id == customer_id)
        )
        return found is not None

    async def customers_by_phone(self, number: str, *, exact_only: bool = False) -> list[View]:
        matches = await customers.match_phone(SqlCustomerRepository(self.session, self.tenant_id), number)
        return [
            {**customers.as_dict(m.customer), "match": m.strength}
            for m in matches
            if not exact_only or m.strength == "exact"
        ]

    async def user_roles(self, user_ids: Collection[str]) -> dict[str, str]:
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(User.id, User.role).where(User.tenant_id == self.tenant_id, User.id.in_(list(user_ids)))
        )
        return {user_id: role for user_id, role in rows.all()}
