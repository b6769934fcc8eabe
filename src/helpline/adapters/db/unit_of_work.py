"""The unit of work on the database: one session, one tenant, every capability's repositories.

A use case receives the unit, works through the repositories it hands out, and commits once;
the events and actions queued on the unit run after the commit succeeded, in order
(``helpline.app.ports.UnitOfWork``). The repositories are made on first use and bound to
the unit's session and tenant, so nothing outside a unit holds a session.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import cached_property

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db import sqlite_async
from helpline.adapters.db.repositories.acd import (
    SqlAgentProfileRepository,
    SqlCallbackRepository,
    SqlCallRecordRepository,
    SqlQueueRepository,
    SqlSkillRepository,
    SqlTenantSettingsRepository,
)
from helpline.adapters.db.repositories.customers import SqlCustomerRepository
from helpline.adapters.db.repositories.floor import (
    SqlAlertRepository,
    SqlBreakRepository,
    SqlMessageRepository,
    SqlNormPolicyRepository,
)
from helpline.adapters.db.repositories.ivr import SqlIvrFlowRepository
from helpline.adapters.db.repositories.knowledge import SqlArticleRepository, SqlArticleVersionRepository
from helpline.adapters.db.repositories.people import SqlTenantRepository, SqlUserRepository
from helpline.adapters.db.repositories.reports import SqlReportQueries
from helpline.adapters.db.repositories.screen_pop import SqlScreenPopReads
from helpline.adapters.db.repositories.search import SqlSearchIndex
from helpline.adapters.db.repositories.telephony import (
    SqlAgentExtensions,
    SqlCallParties,
    SqlCallQualityRepository,
    SqlRecordingRepository,
    SqlSipAccountRepository,
)
from helpline.adapters.db.repositories.workorders import SqlWorkOrderRepository
from helpline.adapters.db.repositories.workorders_config import SqlWorkOrderConfig
from helpline.adapters.db.repositories.workorders_reads import SqlWorkOrderPeers, SqlWorkOrderReads
from helpline.adapters.db.repositories.workorders_sla import SqlSlaClockStore
from helpline.adapters.tabular import Tabular
from helpline.app.ports import AfterCommit, EventBus
from helpline.domain.errors import DomainError
from helpline.domain.events import Event


class SqlUnitOfWork:
    """Implements every capability's ``…Unit`` protocol (see ``helpline.app.unit_of_work``)."""

    def __init__(self, session: AsyncSession, tenant_id: str, bus: EventBus | None) -> None:
        self.session = session
        self._tenant_id = tenant_id
        self._bus = bus
        self._pending: list[AfterCommit] = []

    @property
    def tenant_id(self) -> str:
        return self._tenant_id

    async def commit(self) -> None:
        await self.session.commit()
        pending, self._pending = self._pending, []
        for action in pending:
            result = action()
            if inspect.isawaitable(result):
                await result

    async def rollback(self) -> None:
        self._pending.clear()
        await self.session.rollback()

    def publish(self, events: Sequence[Event]) -> None:
        if events and self._bus is not None:
            bus, batch = self._bus, list(events)
            self._pending.append(lambda: bus.publish(batch))

    def after_commit(self, action: AfterCommit) -> None:
        self._pending.append(action)

    # ---- repositories -------------------------------------------------------------------------

    @cached_property
    def tenants(self) -> SqlTenantRepository:
        return SqlTenantRepository(self.session)

    @cached_property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(self.session, self._tenant_id)

    def users_of(self, tenant_id: str) -> SqlUserRepository:
        return SqlUserRepository(self.session, tenant_id)

    @cached_property
    def reports(self) -> SqlReportQueries:
        return SqlReportQueries(self.session, self._tenant_id)

    @cached_property
    def search(self) -> SqlSearchIndex:
        return SqlSearchIndex(self.session, self._tenant_id)

    @cached_property
    def breaks(self) -> SqlBreakRepository:
        return SqlBreakRepository(self.session, self._tenant_id)

    @cached_property
    def messages(self) -> SqlMessageRepository:
        return SqlMessageRepository(self.session, self._tenant_id)

    @cached_property
    def norm_alerts(self) -> SqlAlertRepository:
        return SqlAlertRepository(self.session, self._tenant_id)

    @cached_property
    def norm_policy(self) -> SqlNormPolicyRepository:
        return SqlNormPolicyRepository(self.session, self._tenant_id)

    @cached_property
    def customers(self) -> SqlCustomerRepository:
        return SqlCustomerRepository(self.session, self._tenant_id)

    @cached_property
    def spreadsheets(self) -> Tabular:
        return Tabular()

    @cached_property
    def articles(self) -> SqlArticleRepository:
        return SqlArticleRepository(self.session, self._tenant_id)

    @cached_property
    def article_versions(self) -> SqlArticleVersionRepository:
        return SqlArticleVersionRepository(self.session, self._tenant_id)

    @cached_property
    def sip_accounts(self) -> SqlSipAccountRepository:
        return SqlSipAccountRepository(self.session, self._tenant_id)

    @cached_property
    def agent_extensions(self) -> SqlAgentExtensions:
        return SqlAgentExtensions(self.session, self._tenant_id)

    @cached_property
    def recordings(self) -> SqlRecordingRepository:
        return SqlRecordingRepository(self.session, self._tenant_id)

    @cached_property
    def call_quality(self) -> SqlCallQualityRepository:
        return SqlCallQualityRepository(self.session, self._tenant_id)

    @cached_property
    def call_parties(self) -> SqlCallParties:
        return SqlCallParties(self.session, self._tenant_id)

    @cached_property
    def queues(self) -> SqlQueueRepository:
        return SqlQueueRepository(self.session, self._tenant_id)

    @cached_property
    def agent_profiles(self) -> SqlAgentProfileRepository:
        return SqlAgentProfileRepository(self.session, self._tenant_id)

    @cached_property
    def skills(self) -> SqlSkillRepository:
        return SqlSkillRepository(self.session, self._tenant_id)

    @cached_property
    def tenant_settings(self) -> SqlTenantSettingsRepository:
        return SqlTenantSettingsRepository(self.session, self._tenant_id)

    @cached_property
    def callbacks(self) -> SqlCallbackRepository:
        return SqlCallbackRepository(self.session, self._tenant_id)

    @cached_property
    def call_records(self) -> SqlCallRecordRepository:
        return SqlCallRecordRepository(self.session, self._tenant_id)

    @cached_property
    def ivr_flows(self) -> SqlIvrFlowRepository:
        return SqlIvrFlowRepository(self.session, self._tenant_id)

    @cached_property
    def workorders(self) -> SqlWorkOrderRepository:
        return SqlWorkOrderRepository(self.session, self._tenant_id)

    @cached_property
    def workorder_config(self) -> SqlWorkOrderConfig:
        return SqlWorkOrderConfig(self.session, self._tenant_id)

    @cached_property
    def workorder_reads(self) -> SqlWorkOrderReads:
        return SqlWorkOrderReads(self.session, self._tenant_id)

    @cached_property
    def workorder_peers(self) -> SqlWorkOrderPeers:
        return SqlWorkOrderPeers(self.session, self._tenant_id)

    @cached_property
    def sla_clocks(self) -> SqlSlaClockStore:
        return SqlSlaClockStore(self.session, self._tenant_id)

    @cached_property
    def screen_pop(self) -> SqlScreenPopReads:
        return SqlScreenPopReads(self.session, self._tenant_id)


class SqlUnits:
    """Opens units of work: ``async with units(tenant_id) as uow``. Leaving the block without
    a commit rolls back."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: EventBus | None = None,
        *,
        here: bool = False,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.here = here

    def small_statements(self) -> SqlUnits:
        """Units for a hot path of small statements (call-order rounds, the screen pop): on
        SQLite they run in the calling thread (:func:`sqlite_async.here`), as long as the
        unit's block lasts, after-commit actions included."""
        return SqlUnits(self.sessionmaker, self.bus, here=True)

    @asynccontextmanager
    async def __call__(self, tenant_id: str) -> AsyncIterator[SqlUnitOfWork]:
        with sqlite_async.here() if self.here else contextlib.nullcontext():
            async with self.sessionmaker() as session:
                unit = SqlUnitOfWork(session, tenant_id, self.bus)
                try:
                    yield unit
                except IntegrityError as exc:  # a constraint the use case did not check first
                    raise DomainError("conflict", "conflicts with existing data") from exc
                finally:
                    if session.in_transaction():
                        await unit.rollback()
