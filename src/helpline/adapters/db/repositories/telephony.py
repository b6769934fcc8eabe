"""SIP accounts, recordings and call quality in the database (the ports of
``helpline.app.telephony.ports``), and the two reads of the ACD's rows telephony needs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from helpline.adapters.db.repositories.base import TenantRepositoryBase
from helpline.adapters.db.tables.acd import AgentProfile, CallEventRow, CallRecord
from helpline.adapters.db.tables.telephony import CallLegQuality, CallRecording
from helpline.adapters.db.tables.telephony import SipAccount as SipAccountRow
from helpline.domain.errors import InvalidTransition
from helpline.domain.telephony.records import (
    QUALITY_FIGURES,
    CallParties,
    LegQuality,
    Recording,
    SipAccount,
)


def _account(row: SipAccountRow) -> SipAccount:
    return SipAccount(
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        username=row.username,
        password=row.password,
        forward_to=row.forward_to,
        auto_answer=bool(row.auto_answer),
    )


def _taken(username: str) -> InvalidTransition:
    return InvalidTransition("sip_username_taken", f"SIP user {username} exists", username=username)


class SqlSipAccountRepository(TenantRepositoryBase[SipAccountRow]):
    model = SipAccountRow

    async def get(self, user_id: str) -> SipAccount | None:
        row = await self._row(user_id)
        return None if row is None else _account(row)

    async def holder_of(self, username: str) -> SipAccount | None:
        row = await self.session.scalar(select(SipAccountRow).where(SipAccountRow.username == username))
        return None if row is None else _account(row)

    async def add(self, account: SipAccount) -> SipAccount:
        row = SipAccountRow(
            tenant_id=self.tenant_id,
            user_id=account.user_id,
            username=account.username,
            password=account.password,
            forward_to=account.forward_to,
            auto_answer=account.auto_answer,
        )
        try:
            await self._add_row(row)
        except IntegrityError as exc:  # the same user name taken concurrently
            raise _taken(account.username) from exc
        return _account(row)

    async def save(self, account: SipAccount) -> None:
        row = await self._row(account.user_id)
        if row is None:
            raise ValueError(f"user {account.user_id!r} has no SIP account in tenant {self.tenant_id!r}")
        row.username, row.password = account.username, account.password
        row.forward_to, row.auto_answer = account.forward_to, account.auto_answer
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise _taken(account.username) from exc

    async def delete(self, user_id: str) -> None:
        row = await self._row(user_id)
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()

    async def every_tenant(self) -> Sequence[SipAccount]:
        return [_account(row) for row in (await self.session.scalars(select(SipAccountRow))).all()]


class SqlAgentExtensions(TenantRepositoryBase[AgentProfile]):
    model = AgentProfile

    async def extension_of(self, user_id: str) -> str | None:
        row = await self._row(user_id)
        return None if row is None else row.extension


def _recording(row: CallRecording) -> Recording:
    return Recording(row.call_id, row.kind, row.path, row.seconds, row.id, row.created_at)


class SqlRecordingRepository(TenantRepositoryBase[CallRecording]):
    model = CallRecording

    async def add(self, recordings: Sequence[Recording]) -> None:
        self.session.add_all(
            CallRecording(
                tenant_id=self.tenant_id,
                call_id=r.call_id,
                kind=r.kind,
                path=r.path,
                seconds=r.seconds,
            )
            for r in recordings
        )
        await self.session.flush()

    async def of_call(self, call_id: str) -> Sequence[Recording]:
        stmt = self._select().where(CallRecording.call_id == call_id).order_by(CallRecording.id)
        return [_recording(row) for row in (await self.session.scalars(stmt)).all()]

    async def latest(self, call_id: str, kind: str) -> Recording | None:
        stmt = (
            self._select()
            .where(CallRecording.call_id == call_id, CallRecording.kind == kind)
            .order_by(CallRecording.id.desc())
            .limit(1)
        )
        row = await self.session.scalar(stmt)
        return None if row is None else _recording(row)


class SqlCallQualityRepository(TenantRepositoryBase[CallLegQuality]):
    model = CallLegQuality

    async def add(self, call_id: str, legs: Sequence[LegQuality]) -> None:
        self.session.add_all(
            CallLegQuality(
                tenant_id=self.tenant_id,
                call_id=call_id,
                leg=leg.leg,
                role=leg.role,
                **{name: getattr(leg, name) for name in QUALITY_FIGURES},
            )
            for leg in legs
        )
        await self.session.flush()

    async def of_call(self, call_id: str) -> Sequence[LegQuality]:
        stmt = self._select().where(CallLegQuality.call_id == call_id).order_by(CallLegQuality.id)
        return [
            LegQuality(row.leg, row.role, **{name: getattr(row, name) for name in QUALITY_FIGURES})
            for row in (await self.session.scalars(stmt)).all()
        ]


class SqlCallParties(TenantRepositoryBase[CallRecord]):
    model = CallRecord

    async def get(self, call_id: str) -> CallParties | None:
        row = await self._row(call_id)
        return None if row is None else CallParties(row.id, row.agent_id)

    async def agents_on(self, call_id: str) -> frozenset[str]:
        stmt = select(CallEventRow.agent_id).where(
            CallEventRow.tenant_id == self.tenant_id, CallEventRow.call_id == call_id
        )
        return frozenset(a for a in (await self.session.scalars(stmt)).all() if a is not None)
