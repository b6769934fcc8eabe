"""Break requests, messages, norm alerts and floor limits in memory (the ports of
``helpline.app.floor.ports``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from fakes.people import PeopleTables
from helpline.domain.errors import NotFound
from helpline.domain.floor.norms import NormPolicy
from helpline.domain.floor.records import OPEN_BREAKS, AgentMessage, BreakRequest, StoredAlert

SETTINGS_KEY = "floor"


@dataclass
class FloorTables:
    breaks: dict[int, BreakRequest] = field(default_factory=dict)
    messages: dict[int, AgentMessage] = field(default_factory=dict)
    alerts: dict[int, StoredAlert] = field(default_factory=dict)
    last_id: int = 0

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id


class FakeBreakRepository:
    def __init__(self, tables: FloorTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    def _mine(self) -> list[BreakRequest]:
        return [b for b in self.tables.breaks.values() if b.tenant_id == self.tenant_id]

    async def get(self, break_id: int) -> BreakRequest | None:
        found = self.tables.breaks.get(break_id)
        return replace(found) if found is not None and found.tenant_id == self.tenant_id else None

    async def open_of(self, agent_id: str) -> int | None:
        return next((b.id for b in self._mine() if b.agent_id == agent_id and b.status in OPEN_BREAKS), None)

    async def list(
        self, *, agent_id: str | None = None, statuses: Sequence[str] | None = None, limit: int = 200
    ) -> Sequence[BreakRequest]:
        found = [
            b
            for b in self._mine()
            if (agent_id is None or b.agent_id == agent_id) and (statuses is None or b.status in statuses)
        ]
        found.sort(key=lambda b: (b.requested_at, b.id), reverse=True)
        return [replace(b) for b in found[:limit]]

    async def started(self) -> Sequence[BreakRequest]:
        return [replace(b) for b in self._mine() if b.status == "started"]

    async def add(self, request: BreakRequest) -> BreakRequest:
        stored = replace(request, id=self.tables.next_id(), tenant_id=self.tenant_id)
        self.tables.breaks[stored.id] = stored
        return replace(stored)

    async def save(self, request: BreakRequest) -> None:
        if await self.get(request.id) is None:
            raise ValueError(f"break request {request.id} is not stored in tenant {self.tenant_id!r}")
        self.tables.breaks[request.id] = replace(request)


class FakeMessageRepository:
    def __init__(self, tables: FloorTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    def _mine(self) -> list[AgentMessage]:
        found = [m for m in self.tables.messages.values() if m.tenant_id == self.tenant_id]
        return sorted(found, key=lambda m: m.id, reverse=True)

    async def add_all(self, messages: Sequence[AgentMessage]) -> Sequence[AgentMessage]:
        stored = [replace(m, id=self.tables.next_id(), tenant_id=self.tenant_id) for m in messages]
        self.tables.messages.update((m.id, m) for m in stored)
        return [replace(m) for m in stored]

    async def get(self, message_id: int) -> AgentMessage | None:
        found = self.tables.messages.get(message_id)
        return replace(found) if found is not None and found.tenant_id == self.tenant_id else None

    async def inbox(self, user_id: str, limit: int = 100) -> Sequence[AgentMessage]:
        return [replace(m) for m in self._mine() if m.to_user_id == user_id][:limit]

    async def unread(self, user_id: str) -> int:
        return sum(1 for m in self._mine() if m.to_user_id == user_id and m.read_at is None)

    async def recent(self, limit: int = 1000) -> Sequence[AgentMessage]:
        return [replace(m) for m in self._mine()[:limit]]

    async def save(self, message: AgentMessage) -> None:
        stored = self.tables.messages.get(message.id)
        if stored is None or stored.tenant_id != self.tenant_id:
            raise ValueError(f"message {message.id} is not stored in tenant {self.tenant_id!r}")
        stored.read_at = message.read_at

    async def mark_all_read(self, user_id: str, at: datetime) -> None:
        for message in self._mine():
            if message.to_user_id == user_id and message.read_at is None:
                message.read_at = at


class FakeAlertRepository:
    def __init__(self, tables: FloorTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def add_all(self, alerts: Sequence[StoredAlert]) -> Sequence[StoredAlert]:
        stored = [replace(a, id=self.tables.next_id(), tenant_id=self.tenant_id) for a in alerts]
        self.tables.alerts.update((a.id, a) for a in stored)
        return [replace(a) for a in stored]

    async def get(self, alert_id: int) -> StoredAlert | None:
        found = self.tables.alerts.get(alert_id)
        return replace(found) if found is not None and found.tenant_id == self.tenant_id else None

    async def list(
        self, *, unacknowledged: bool = False, since: datetime | None = None, limit: int = 200
    ) -> Sequence[StoredAlert]:
        found = [
            a
            for a in self.tables.alerts.values()
            if a.tenant_id == self.tenant_id
            and (not unacknowledged or a.acknowledged_at is None)
            and (since is None or a.raised_at >= since)
        ]
        return [replace(a) for a in sorted(found, key=lambda a: a.id, reverse=True)[:limit]]

    async def save(self, alert: StoredAlert) -> None:
        stored = self.tables.alerts.get(alert.id)
        if stored is None or stored.tenant_id != self.tenant_id:
            raise ValueError(f"alert {alert.id} is not stored in tenant {self.tenant_id!r}")
        stored.acknowledged_at, stored.acknowledged_by = alert.acknowledged_at, alert.acknowledged_by


class FakeNormPolicyRepository:
    """Kept in the fake tenant's settings, as the database keeps it."""

    def __init__(self, people: PeopleTables, tenant_id: str) -> None:
        self.people = people
        self.tenant_id = tenant_id

    async def get(self) -> NormPolicy:
        tenant = self.people.tenants.get(self.tenant_id)
        return NormPolicy.from_settings((tenant.settings if tenant else {}).get(SETTINGS_KEY) or {})

    async def save(self, policy: NormPolicy) -> None:
        tenant = self.people.tenants.get(self.tenant_id)
        if tenant is None:
            raise NotFound("tenant_not_found", "no such tenant")
        tenant.settings = {**tenant.settings, SETTINGS_KEY: policy.as_dict()}
