"""SLA clocks and their events in the database (``SlaClockStore`` of
``helpline.app.workorders.ports``): a clock's row holds its ``as_dict()`` state, so the
boards are rebuilt at start-up; its events are kept for reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.workorders import SlaClockRow, SlaEventRow
from helpline.app.timefmt import as_datetime
from helpline.domain.workorders.events import SlaEvent
from helpline.domain.workorders.sla import OPEN_CLOCKS, SlaClock

_EVENT_COLUMNS = {"tenant_id", "at", "topic", "type", "clock_id", "kind", "order_id", "due"}


class SqlSlaClockStore:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def open_clocks(self) -> list[tuple[str, dict[str, Any]]]:
        rows = await self.session.scalars(
            select(SlaClockRow).where(
                SlaClockRow.tenant_id == self.tenant_id,
                SlaClockRow.state.in_([s.value for s in OPEN_CLOCKS]),
            )
        )
        return [(row.id, dict(row.data)) for row in rows.all()]

    async def save(self, clocks: Sequence[SlaClock], events: Sequence[SlaEvent]) -> None:
        if clocks:  # one query, not one per clock: ``session.get`` below finds them in the session
            stmt = select(SlaClockRow).where(
                SlaClockRow.tenant_id == self.tenant_id, SlaClockRow.id.in_([c.id for c in clocks])
            )
            (await self.session.scalars(stmt)).all()
        for clock in clocks:
            row = await self.session.get(SlaClockRow, (self.tenant_id, clock.id))
            if row is None:
                row = SlaClockRow(tenant_id=self.tenant_id, id=clock.id)
                self.session.add(row)
            row.order_id, row.kind, row.state = clock.order_id, clock.kind.value, clock.state.value
            row.unit_id, row.due_at = clock.unit_id, as_datetime(clock.due)
            row.warned, row.breached, row.data = clock.warned, clock.breached, clock.as_dict()
        rows = []
        for event in events:
            data = event.as_dict()
            rows.append(
                {
                    "tenant_id": self.tenant_id,
                    "at": as_datetime(event.at),
                    "type": event.name,
                    "clock_id": event.clock_id,
                    "kind": event.kind,
                    "order_id": event.order_id,
                    "due_at": as_datetime(event.due),
                    "data": {k: v for k, v in data.items() if k not in _EVENT_COLUMNS},
                }
            )
        if rows:
            await self.session.execute(insert(SlaEventRow), rows)  # one statement (their ids are not needed)
