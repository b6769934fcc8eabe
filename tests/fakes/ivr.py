"""IVR flows in memory (the ports of ``helpline.app.ivr.ports``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from helpline.domain.ivr.records import IvrFlowRecord


@dataclass
class IvrTables:
    flows: dict[tuple[str, str], IvrFlowRecord] = field(default_factory=dict)


class FakeIvrFlowRepository:
    def __init__(self, tables: IvrTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def get(self, flow_id: str) -> IvrFlowRecord | None:
        return copy.deepcopy(self.tables.flows.get((self.tenant_id, flow_id)))

    async def list(self) -> Sequence[IvrFlowRecord]:
        return [copy.deepcopy(f) for (t, _), f in sorted(self.tables.flows.items()) if t == self.tenant_id]

    async def put(self, flow: IvrFlowRecord) -> IvrFlowRecord:
        stored = replace(copy.deepcopy(flow), tenant_id=self.tenant_id, updated_at=datetime.now(UTC))
        self.tables.flows[self.tenant_id, flow.id] = stored
        return copy.deepcopy(stored)

    async def delete(self, flow_id: str) -> None:
        self.tables.flows.pop((self.tenant_id, flow_id), None)

    async def active_everywhere(self) -> Sequence[IvrFlowRecord]:
        return [copy.deepcopy(f) for _, f in sorted(self.tables.flows.items()) if f.active]
