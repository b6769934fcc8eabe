"""The ACD in the database (the ports of ``helpline.app.acd.ports``): queues, agent profiles,
skills, the tenant's settings, callback requests and the recorded call history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.base import TenantRepositoryBase
from helpline.adapters.db.tables.acd import AgentProfile as ProfileRow
from helpline.adapters.db.tables.acd import AgentStateLog, CallEventRow, CallRecord, QueueRow
from helpline.adapters.db.tables.acd import Skill as SkillRow
from helpline.adapters.db.tables.people import Tenant as TenantRow
from helpline.adapters.db.tables.telephony import CallbackRequest as CallbackRow
from helpline.domain.acd.records import (
    QUEUE_FIELDS,
    AgentProfile,
    CallbackRequest,
    CallDetail,
    CallSegment,
    QueueRecord,
    Skill,
)


def _queue(row: QueueRow) -> QueueRecord:
    return QueueRecord(row.id, **{name: _copy(getattr(row, name)) for name in QUEUE_FIELDS})


def _copy(value: Any) -> Any:
    """JSON columns are handed out as new containers, so a record never aliases a row."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    return value


class SqlQueueRepository(TenantRepositoryBase[QueueRow]):
    model = QueueRow

    async def _get_row(self, queue_id: str) -> QueueRow | None:
        row: QueueRow | None = await self.session.get(QueueRow, (self.tenant_id, queue_id))
        return row

    async def get(self, queue_id: str) -> QueueRecord | None:
        row = await self._get_row(queue_id)
        return None if row is None else _queue(row)

    async def list(self) -> Sequence[QueueRecord]:
        rows = await self.session.scalars(self._select().order_by(QueueRow.id))
        return [_queue(row) for row in rows.all()]

    async def add(self, queue: QueueRecord) -> None:
        row = QueueRow(tenant_id=self.tenant_id, id=queue.id)
        _set_queue(row, queue)
        await self._add_row(row)

    async def save(self, queue: QueueRecord) -> None:
        row = await self._get_row(queue.id)
        if row is None:
            raise ValueError(f"queue {queue.id!r} is not stored in tenant {self.tenant_id!r}")
        _set_queue(row, queue)
        await self.session.flush()

    async def delete(self, queue_id: str) -> None:
        row = await self._get_row(queue_id)
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()


def _set_queue(row: QueueRow, queue: QueueRecord) -> None:
    for name in QUEUE_FIELDS:
        setattr(row, name, _copy(getattr(queue, name)))


def _profile(row: ProfileRow) -> AgentProfile:
    return AgentProfile(row.id, row.extension, dict(row.skills or {}), dict(row.queues or {}), row.work_mode)


class SqlAgentProfileRepository(TenantRepositoryBase[ProfileRow]):
    model = ProfileRow

    async def get(self, agent_id: str) -> AgentProfile | None:
        row = await self._row(agent_id)
        return None if row is None else _profile(row)

    async def list(self) -> Sequence[AgentProfile]:
        rows = await self.session.scalars(self._select().order_by(ProfileRow.id))
        return [_profile(row) for row in rows.all()]

    async def add(self, profile: AgentProfile) -> None:
        row = ProfileRow(tenant_id=self.tenant_id, id=profile.id)
        _set_profile(row, profile)
        await self._add_row(row)

    async def save(self, profile: AgentProfile) -> None:
        row = await self._row(profile.id)
        if row is None:
            raise ValueError(f"agent {profile.id!r} is not stored in tenant {self.tenant_id!r}")
        _set_profile(row, profile)
        await self.session.flush()


def _set_profile(row: ProfileRow, profile: AgentProfile) -> None:
    row.extension, row.work_mode = profile.extension, profile.work_mode
    row.skills, row.queues = dict(profile.skills), dict(profile.queues)


class SqlSkillRepository(TenantRepositoryBase[SkillRow]):
    model = SkillRow

    async def list(self) -> Sequence[Skill]:
        rows = await self.session.scalars(self._select().order_by(SkillRow.id))
        return [Skill(r.id, r.name, r.description) for r in rows.all()]

    async def put(self, skill: Skill) -> None:
        row: SkillRow | None = await self.session.get(SkillRow, (self.tenant_id, skill.id))
        if row is None:
            row = SkillRow(tenant_id=self.tenant_id, id=skill.id)
            self.session.add(row)
        row.name, row.description = skill.name, skill.description
        await self.session.flush()


class SqlTenantSettingsRepository:
    """The ``settings`` JSON of the unit's tenant row."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def _row(self) -> TenantRow:
        row: TenantRow | None = await self.session.get(TenantRow, self.tenant_id)
        if row is None:
            raise ValueError(f"no tenant {self.tenant_id!r}")
        return row

    async def get(self) -> dict[str, Any]:
        row: TenantRow | None = await self.session.get(TenantRow, self.tenant_id)
        return {} if row is None else dict(row.settings or {})

    async def update(self, values: Mapping[str, Any]) -> None:
        row = await self._row()
        row.settings = {**(row.settings or {}), **values}  # a new object: the JSON column sees the change
        await self.session.flush()


def _callback(row: CallbackRow) -> CallbackRequest:
    return CallbackRequest(
        id=row.id,
        call_id=row.call_id,
        number=row.number,
        queue_id=row.queue_id,
        source=row.source,
        status=row.status,
        requested_at=row.requested_at,
        data=dict(row.data or {}),
    )


class SqlCallbackRepository(TenantRepositoryBase[CallbackRow]):
    model = CallbackRow

    async def get(self, callback_id: str) -> CallbackRequest | None:
        row = await self._row(callback_id)
        return None if row is None else _callback(row)

    async def by_call(self, call_id: str) -> CallbackRequest | None:
        row = await self.session.scalar(self._select().where(CallbackRow.call_id == call_id).limit(1))
        return None if row is None else _callback(row)

    async def list(self, *, status: str | None, limit: int) -> Sequence[CallbackRequest]:
        stmt = self._select()
        if status:
            stmt = stmt.where(CallbackRow.status == status)
        rows = await self.session.scalars(stmt.order_by(CallbackRow.requested_at).limit(limit))
        return [_callback(row) for row in rows.all()]

    async def add(self, request: CallbackRequest) -> CallbackRequest:
        row = CallbackRow(
            tenant_id=self.tenant_id,
            call_id=request.call_id,
            number=request.number,
            queue_id=request.queue_id,
            source=request.source,
            status=request.status,
            data=dict(request.data),
        )
        await self._add_row(row)
        return _callback(row)

    async def save(self, request: CallbackRequest) -> None:
        row = await self._row(request.id)
        if row is None:
            raise ValueError(f"callback request {request.id!r} is not stored in tenant {self.tenant_id!r}")
        row.status, row.data = request.status, dict(request.data)
        await self.session.flush()


_DETAIL_FIELDS = (
    "id",
    "direction",
    "caller",
    "callee",
    "queue_id",
    "agent_id",
    "arrived_at",
    "queued_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "wrapup_seconds",
    "outcome",
    "ended_by",
    "satisfaction",
)


class SqlCallRecordRepository(TenantRepositoryBase[CallRecord]):
    model = CallRecord

    async def get(self, call_id: str) -> CallDetail | None:
        row = await self._row(call_id)
        return None if row is None else CallDetail(**{name: getattr(row, name) for name in _DETAIL_FIELDS})

    async def segments(self, call_id: str) -> Sequence[CallSegment]:
        rows = await self.session.scalars(
            select(CallEventRow)
            .where(CallEventRow.tenant_id == self.tenant_id, CallEventRow.call_id == call_id)
            .order_by(CallEventRow.id)
        )
        return [CallSegment(r.type, r.at, r.agent_id, dict(r.data or {})) for r in rows.all()]

    async def took_part(self, agent_id: str, call_id: str) -> bool:
        found = await self.session.scalar(
            select(AgentStateLog.id)
            .where(
                AgentStateLog.tenant_id == self.tenant_id,
                AgentStateLog.agent_id == agent_id,
                AgentStateLog.call_id == call_id,
            )
            .limit(1)
        )
        return found is not None
