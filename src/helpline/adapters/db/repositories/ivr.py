"""IVR flows in the database (the ports of ``helpline.app.ivr.ports``), and the IVR's look-up
of a caller among the customers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from helpline.adapters.db.repositories.base import TenantRepositoryBase
from helpline.adapters.db.tables.telephony import IvrFlowRow
from helpline.domain.ivr.records import IvrFlowRecord


def _flow(row: IvrFlowRow) -> IvrFlowRecord:
    return IvrFlowRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        numbers=list(row.numbers or []),
        active=row.active,
        definition=row.definition,
        updated_at=row.updated_at,
    )


class SqlIvrFlowRepository(TenantRepositoryBase[IvrFlowRow]):
    model = IvrFlowRow

    async def _get_row(self, flow_id: str) -> IvrFlowRow | None:
        row: IvrFlowRow | None = await self.session.get(IvrFlowRow, (self.tenant_id, flow_id))
        return row

    async def get(self, flow_id: str) -> IvrFlowRecord | None:
        row = await self._get_row(flow_id)
        return None if row is None else _flow(row)

    async def list(self) -> Sequence[IvrFlowRecord]:
        rows = await self.session.scalars(self._select().order_by(IvrFlowRow.id))
        return [_flow(row) for row in rows.all()]

    async def put(self, flow: IvrFlowRecord) -> IvrFlowRecord:
        row = await self._get_row(flow.id)
        if row is None:
            row = IvrFlowRow(tenant_id=self.tenant_id, id=flow.id)
            self.session.add(row)
        row.name, row.numbers, row.active = flow.name, list(flow.numbers), flow.active
        row.definition = flow.definition
        await self.session.flush()
        return _flow(row)

    async def delete(self, flow_id: str) -> None:
        row = await self._get_row(flow_id)
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()

    async def active_everywhere(self) -> Sequence[IvrFlowRecord]:
        rows = await self.session.scalars(select(IvrFlowRow).where(IvrFlowRow.active.is_(True)))
        return [_flow(row) for row in rows.all()]
