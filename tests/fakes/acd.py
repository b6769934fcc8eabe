"""The ACD's stored configuration and history in memory (the ports of ``helpline.app.acd.ports``)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from fakes.people import PeopleTables
from helpline.domain.acd.records import (
    AgentProfile,
    CallbackRequest,
    CallDetail,
    CallSegment,
    QueueRecord,
    Skill,
)


@dataclass
class AcdTables:
    """Rows by (tenant id, id); call history as the recorder would have left it."""

    queues: dict[tuple[str, str], QueueRecord] = field(default_factory=dict)
    profiles: dict[tuple[str, str], AgentProfile] = field(default_factory=dict)
    skills: dict[tuple[str, str], Skill] = field(default_factory=dict)
    callbacks: dict[tuple[str, str], CallbackRequest] = field(default_factory=dict)
    calls: dict[tuple[str, str], CallDetail] = field(default_factory=dict)
    segments: dict[tuple[str, str], list[CallSegment]] = field(default_factory=dict)
    state_log: set[tuple[str, str, str]] = field(default_factory=set)  # tenant, agent, call


def _mine(rows: Mapping[tuple[str, str], Any], tenant_id: str) -> list[Any]:
    return [copy.deepcopy(v) for (t, _), v in sorted(rows.items()) if t == tenant_id]


class _Repository:
    def __init__(self, tables: AcdTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id


class FakeQueueRepository(_Repository):
    async def get(self, queue_id: str) -> QueueRecord | None:
        return copy.deepcopy(self.tables.queues.get((self.tenant_id, queue_id)))

    async def list(self) -> Sequence[QueueRecord]:
        return _mine(self.tables.queues, self.tenant_id)

    async def add(self, queue: QueueRecord) -> None:
        if (self.tenant_id, queue.id) in self.tables.queues:
            raise ValueError(f"queue {queue.id!r} exists")
        self.tables.queues[self.tenant_id, queue.id] = copy.deepcopy(queue)

    async def save(self, queue: QueueRecord) -> None:
        if (self.tenant_id, queue.id) not in self.tables.queues:
            raise ValueError(f"queue {queue.id!r} is not stored in tenant {self.tenant_id!r}")
        self.tables.queues[self.tenant_id, queue.id] = copy.deepcopy(queue)

    async def delete(self, queue_id: str) -> None:
        self.tables.queues.pop((self.tenant_id, queue_id), None)


class FakeAgentProfileRepository(_Repository):
    async def get(self, agent_id: str) -> AgentProfile | None:
        return copy.deepcopy(self.tables.profiles.get((self.tenant_id, agent_id)))

    async def list(self) -> Sequence[AgentProfile]:
        return _mine(self.tables.profiles, self.tenant_id)

    async def add(self, profile: AgentProfile) -> None:
        if (self.tenant_id, profile.id) in self.tables.profiles:
            raise ValueError(f"agent {profile.id!r} exists")
        self.tables.profiles[self.tenant_id, profile.id] = copy.deepcopy(profile)

    async def save(self, profile: AgentProfile) -> None:
        if (self.tenant_id, profile.id) not in self.tables.profiles:
            raise ValueError(f"agent {profile.id!r} is not stored in tenant {self.tenant_id!r}")
        self.tables.profiles[self.tenant_id, profile.id] = copy.deepcopy(profile)


class FakeSkillRepository(_Repository):
    async def list(self) -> Sequence[Skill]:
        return _mine(self.tables.skills, self.tenant_id)

    async def put(self, skill: Skill) -> None:
        self.tables.skills[self.tenant_id, skill.id] = replace(skill)


class FakeTenantSettingsRepository:
    def __init__(self, people: PeopleTables, tenant_id: str) -> None:
        self.people = people
        self.tenant_id = tenant_id

    async def get(self) -> dict[str, Any]:
        tenant = self.people.tenants.get(self.tenant_id)
        return {} if tenant is None else copy.deepcopy(tenant.settings)

    async def update(self, values: Mapping[str, Any]) -> None:
        tenant = self.people.tenants[self.tenant_id]
        tenant.settings = {**tenant.settings, **copy.deepcopy(dict(values))}


class FakeCallbackRepository(_Repository):
    async def get(self, callback_id: str) -> CallbackRequest | None:
        return copy.deepcopy(self.tables.callbacks.get((self.tenant_id, callback_id)))

    async def by_call(self, call_id: str) -> CallbackRequest | None:
        return next((r for r in _mine(self.tables.callbacks, self.tenant_id) if r.call_id == call_id), None)

    async def list(self, *, status: str | None, limit: int) -> Sequence[CallbackRequest]:
        found = [r for r in _mine(self.tables.callbacks, self.tenant_id) if not status or r.status == status]
        return sorted(found, key=lambda r: r.requested_at or datetime.min.replace(tzinfo=UTC))[:limit]

    async def add(self, request: CallbackRequest) -> CallbackRequest:
        stored = replace(copy.deepcopy(request), id=str(uuid.uuid4()), requested_at=datetime.now(UTC))
        self.tables.callbacks[self.tenant_id, stored.id] = stored
        return copy.deepcopy(stored)

    async def save(self, request: CallbackRequest) -> None:
        stored = self.tables.callbacks.get((self.tenant_id, request.id))
        if stored is None:
            raise ValueError(f"callback request {request.id!r} is not stored in tenant {self.tenant_id!r}")
        stored.status, stored.data = request.status, copy.deepcopy(request.data)


class FakeCallRecordRepository(_Repository):
    async def get(self, call_id: str) -> CallDetail | None:
        return copy.deepcopy(self.tables.calls.get((self.tenant_id, call_id)))

    async def segments(self, call_id: str) -> Sequence[CallSegment]:
        return copy.deepcopy(self.tables.segments.get((self.tenant_id, call_id), []))

    async def took_part(self, agent_id: str, call_id: str) -> bool:
        return (self.tenant_id, agent_id, call_id) in self.tables.state_log
