"""Floor discipline in the database (the ports of ``helpline.app.floor.ports``): break
requests, the leader's messages, norm alerts, and the floor limits kept in the tenant's
settings under ``"floor"``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.base import TenantRepositoryBase
from helpline.adapters.db.tables.floor import AgentMessage as MessageRow
from helpline.adapters.db.tables.floor import BreakRequest as BreakRow
from helpline.adapters.db.tables.floor import NormAlert as AlertRow
from helpline.adapters.db.tables.people import Tenant as TenantRow
from helpline.domain.errors import NotFound
from helpline.domain.floor.norms import NormPolicy
from helpline.domain.floor.records import OPEN_BREAKS, AgentMessage, BreakRequest, StoredAlert

SETTINGS_KEY = "floor"


def _break(row: BreakRow) -> BreakRequest:
    return BreakRequest(
        id=row.id,
        tenant_id=row.tenant_id,
        agent_id=row.agent_id,
        reason=row.reason,
        minutes=row.minutes,
        requested_at=row.requested_at,
        note=row.note,
        status=row.status,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        decision_note=row.decision_note,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )


class SqlBreakRepository(TenantRepositoryBase[BreakRow]):
    model = BreakRow

    async def get(self, break_id: int) -> BreakRequest | None:
        row = await self._row(break_id)
        return None if row is None else _break(row)

    async def open_of(self, agent_id: str) -> int | None:
        stmt = self._select().with_only_columns(BreakRow.id)
        stmt = stmt.where(BreakRow.agent_id == agent_id, BreakRow.status.in_(OPEN_BREAKS))
        found: int | None = (await self.session.execute(stmt.limit(1))).scalar()
        return found

    async def list(
        self, *, agent_id: str | None = None, statuses: Sequence[str] | None = None, limit: int = 200
    ) -> Sequence[BreakRequest]:
        stmt = self._select()
        if agent_id is not None:
            stmt = stmt.where(BreakRow.agent_id == agent_id)
        if statuses is not None:
            stmt = stmt.where(BreakRow.status.in_(statuses))
        stmt = stmt.order_by(BreakRow.requested_at.desc(), BreakRow.id.desc()).limit(limit)
        return [_break(row) for row in (await self.session.execute(stmt)).scalars()]

    async def started(self) -> Sequence[BreakRequest]:
        stmt = self._select().where(BreakRow.status == "started")
        return [_break(row) for row in (await self.session.execute(stmt)).scalars()]

    async def add(self, request: BreakRequest) -> BreakRequest:
        row = BreakRow(
            agent_id=request.agent_id,
            reason=request.reason,
            minutes=request.minutes,
            note=request.note,
            status=request.status,
            requested_at=request.requested_at,
            decision_note=request.decision_note,
        )
        row.tenant_id = self.tenant_id
        return _break(await self._add_row(row))

    async def save(self, request: BreakRequest) -> None:
        row = await self._row(request.id)
        if row is None:
            raise ValueError(f"break request {request.id} is not stored in tenant {self.tenant_id!r}")
        row.status, row.decision_note = request.status, request.decision_note
        row.decided_at, row.decided_by = request.decided_at, request.decided_by
        row.started_at, row.ended_at = request.started_at, request.ended_at
        await self.session.flush()


def _message(row: MessageRow) -> AgentMessage:
    return AgentMessage(
        id=row.id,
        tenant_id=row.tenant_id,
        from_user_id=row.from_user_id,
        to_user_id=row.to_user_id,
        batch_id=row.batch_id,
        to_all=row.to_all,
        body=row.body,
        created_at=row.created_at,
        read_at=row.read_at,
    )


class SqlMessageRepository(TenantRepositoryBase[MessageRow]):
    model = MessageRow

    async def add_all(self, messages: Sequence[AgentMessage]) -> Sequence[AgentMessage]:
        rows = [
            MessageRow(
                tenant_id=self.tenant_id,
                from_user_id=m.from_user_id,
                to_user_id=m.to_user_id,
                batch_id=m.batch_id,
                to_all=m.to_all,
                body=m.body,
                created_at=m.created_at,
                read_at=m.read_at,
            )
            for m in messages
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return [_message(row) for row in rows]

    async def get(self, message_id: int) -> AgentMessage | None:
        row = await self._row(message_id)
        return None if row is None else _message(row)

    async def inbox(self, user_id: str, limit: int = 100) -> Sequence[AgentMessage]:
        stmt = self._select().where(MessageRow.to_user_id == user_id)
        rows = await self.session.execute(stmt.order_by(MessageRow.id.desc()).limit(limit))
        return [_message(row) for row in rows.scalars()]

    async def unread(self, user_id: str) -> int:
        stmt = select(func.count()).where(
            MessageRow.tenant_id == self.tenant_id,
            MessageRow.to_user_id == user_id,
            MessageRow.read_at.is_(None),
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def recent(self, limit: int = 1000) -> Sequence[AgentMessage]:
        rows = await self.session.execute(self._select().order_by(MessageRow.id.desc()).limit(limit))
        return [_message(row) for row in rows.scalars()]

    async def save(self, message: AgentMessage) -> None:
        row = await self._row(message.id)
        if row is None:
            raise ValueError(f"message {message.id} is not stored in tenant {self.tenant_id!r}")
        row.read_at = message.read_at
        await self.session.flush()

    async def mark_all_read(self, user_id: str, at: datetime) -> None:
        await self.session.execute(
            update(MessageRow)
            .where(
                MessageRow.tenant_id == self.tenant_id,
                MessageRow.to_user_id == user_id,
                MessageRow.read_at.is_(None),
            )
            .values(read_at=at)
        )


def _alert(row: AlertRow) -> StoredAlert:
    return StoredAlert(
        id=row.id,
        tenant_id=row.tenant_id,
        kind=row.kind,
        raised_at=row.raised_at,
        agent_id=row.agent_id,
        call_id=row.call_id,
        order_ref=row.order_ref,
        detail=dict(row.detail or {}),
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
    )


class SqlAlertRepository(TenantRepositoryBase[AlertRow]):
    model = AlertRow

    async def add_all(self, alerts: Sequence[StoredAlert]) -> Sequence[StoredAlert]:
        rows = [
            AlertRow(
                tenant_id=self.tenant_id,
                kind=a.kind,
                agent_id=a.agent_id,
                call_id=a.call_id,
                order_ref=a.order_ref,
                detail=dict(a.detail),
                raised_at=a.raised_at,
            )
            for a in alerts
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return [_alert(row) for row in rows]

    async def get(self, alert_id: int) -> StoredAlert | None:
        row = await self._row(alert_id)
        return None if row is None else _alert(row)

    async def list(
        self, *, unacknowledged: bool = False, since: datetime | None = None, limit: int = 200
    ) -> Sequence[StoredAlert]:
        stmt = self._select()
        if unacknowledged:
            stmt = stmt.where(AlertRow.acknowledged_at.is_(None))
        if since is not None:
            stmt = stmt.where(AlertRow.raised_at >= since)
        rows = await self.session.execute(stmt.order_by(AlertRow.id.desc()).limit(limit))
        return [_alert(row) for row in rows.scalars()]

    async def save(self, alert: StoredAlert) -> None:
        row = await self._row(alert.id)
        if row is None:
            raise ValueError(f"alert {alert.id} is not stored in tenant {self.tenant_id!r}")
        row.acknowledged_at, row.acknowledged_by = alert.acknowledged_at, alert.acknowledged_by
        await self.session.flush()


class SqlNormPolicyRepository:
    """The limits live in ``tenants.settings["floor"]`` beside the other capabilities' settings."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self) -> NormPolicy:
        tenant = await self.session.get(TenantRow, self.tenant_id)
        settings: dict[str, Any] = (tenant.settings or {}) if tenant is not None else {}
        return NormPolicy.from_settings(settings.get(SETTINGS_KEY) or {})

    async def save(self, policy: NormPolicy) -> None:
        tenant = await self.session.get(TenantRow, self.tenant_id)
        if tenant is None:
            raise NotFound("tenant_not_found", "no such tenant")
        tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: policy.as_dict()}
        await self.session.flush()
