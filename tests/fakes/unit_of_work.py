"""A unit of work in memory: a copy of the store while it works, written back at commit.

Like the database's unit, it sees only its tenant, publishes events and runs after-commit
actions only once committed, and forgets everything on rollback.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from typing import Any

from fakes.acd import (
    AcdTables,
    FakeAgentProfileRepository,
    FakeCallbackRepository,
    FakeCallRecordRepository,
    FakeQueueRepository,
    FakeSkillRepository,
    FakeTenantSettingsRepository,
)
from fakes.customers import CustomerTables, FakeCustomerRepository
from fakes.floor import (
    FakeAlertRepository,
    FakeBreakRepository,
    FakeMessageRepository,
    FakeNormPolicyRepository,
    FloorTables,
)
from fakes.ivr import FakeIvrFlowRepository, IvrTables
from fakes.knowledge import FakeArticleRepository, FakeArticleVersionRepository, KnowledgeTables
from fakes.people import FakeTenantRepository, FakeUserRepository, PeopleTables
from fakes.reports import FakeReportQueries, ReportTables
from fakes.search import FakeSearchIndex, SearchTables
from fakes.telephony import (
    FakeAgentExtensions,
    FakeCallParties,
    FakeCallQualityRepository,
    FakeRecordingRepository,
    FakeSipAccountRepository,
    TelephonyTables,
)
from fakes.workorders import (
    FakeSlaClockStore,
    FakeWorkOrderConfig,
    FakeWorkOrderPeers,
    FakeWorkOrderRepository,
    WorkOrderTables,
)
from helpline.adapters.tabular import Tabular
from helpline.app.ports import AfterCommit
from helpline.domain.events import Event


@dataclass
class FakeStore:
    """Every capability's tables, as the committed state."""

    people: PeopleTables = field(default_factory=PeopleTables)
    search: SearchTables = field(default_factory=SearchTables)
    floor: FloorTables = field(default_factory=FloorTables)
    knowledge: KnowledgeTables = field(default_factory=KnowledgeTables)
    customers: CustomerTables = field(default_factory=CustomerTables)
    telephony: TelephonyTables = field(default_factory=TelephonyTables)
    acd: AcdTables = field(default_factory=AcdTables)
    ivr: IvrTables = field(default_factory=IvrTables)
    reports: ReportTables = field(default_factory=ReportTables)
    workorders: WorkOrderTables = field(default_factory=WorkOrderTables)
    published: list[Event] = field(default_factory=list)


class FakeUnitOfWork:
    def __init__(self, store: FakeStore, tenant_id: str) -> None:
        self.store = store
        self._tenant_id = tenant_id
        self._pending: list[AfterCommit] = []
        self.commits = 0
        self._begin()

    def _begin(self) -> None:
        self.work: Any = copy.deepcopy(self.store)

    @property
    def tenant_id(self) -> str:
        return self._tenant_id

    async def commit(self) -> None:
        for table in fields(FakeStore):
            if table.name != "published":
                setattr(self.store, table.name, getattr(self.work, table.name))
        self.commits += 1
        pending, self._pending = self._pending, []
        self._begin()
        for action in pending:
            result = action()
            if inspect.isawaitable(result):
                await result

    async def rollback(self) -> None:
        self._pending.clear()
        self._begin()

    def publish(self, events: Sequence[Event]) -> None:
        batch = list(events)
        self._pending.append(lambda: self.store.published.extend(batch))

    def after_commit(self, action: AfterCommit) -> None:
        self._pending.append(action)

    # ---- repositories (over the working copy) -------------------------------------------------

    @property
    def tenants(self) -> FakeTenantRepository:
        return FakeTenantRepository(self.work.people)

    @property
    def users(self) -> FakeUserRepository:
        return FakeUserRepository(self.work.people, self._tenant_id)

    def users_of(self, tenant_id: str) -> FakeUserRepository:
        return FakeUserRepository(self.work.people, tenant_id)

    @property
    def reports(self) -> FakeReportQueries:
        return FakeReportQueries(self.work.reports, self._tenant_id)

    @property
    def search(self) -> FakeSearchIndex:
        return FakeSearchIndex(self.work.search, self._tenant_id)

    @property
    def breaks(self) -> FakeBreakRepository:
        return FakeBreakRepository(self.work.floor, self._tenant_id)

    @property
    def messages(self) -> FakeMessageRepository:
        return FakeMessageRepository(self.work.floor, self._tenant_id)

    @property
    def norm_alerts(self) -> FakeAlertRepository:
        return FakeAlertRepository(self.work.floor, self._tenant_id)

    @property
    def norm_policy(self) -> FakeNormPolicyRepository:
        return FakeNormPolicyRepository(self.work.people, self._tenant_id)

    @property
    def customers(self) -> FakeCustomerRepository:
        return FakeCustomerRepository(self.work.customers, self._tenant_id)

    @property
    def spreadsheets(self) -> Tabular:
        return Tabular()  # the real one: it only turns bytes into rows and back

    @property
    def articles(self) -> FakeArticleRepository:
        return FakeArticleRepository(self.work.knowledge, self._tenant_id)

    @property
    def article_versions(self) -> FakeArticleVersionRepository:
        return FakeArticleVersionRepository(self.work.knowledge, self._tenant_id)

    @property
    def sip_accounts(self) -> FakeSipAccountRepository:
        return FakeSipAccountRepository(self.work.telephony, self._tenant_id)

    @property
    def agent_extensions(self) -> FakeAgentExtensions:
        return FakeAgentExtensions(self.work.telephony, self._tenant_id)

    @property
    def recordings(self) -> FakeRecordingRepository:
        return FakeRecordingRepository(self.work.telephony, self._tenant_id)

    @property
    def call_quality(self) -> FakeCallQualityRepository:
        return FakeCallQualityRepository(self.work.telephony, self._tenant_id)

    @property
    def call_parties(self) -> FakeCallParties:
        return FakeCallParties(self.work.telephony, self._tenant_id)

    @property
    def queues(self) -> FakeQueueRepository:
        return FakeQueueRepository(self.work.acd, self._tenant_id)

    @property
    def agent_profiles(self) -> FakeAgentProfileRepository:
        return FakeAgentProfileRepository(self.work.acd, self._tenant_id)

    @property
    def skills(self) -> FakeSkillRepository:
        return FakeSkillRepository(self.work.acd, self._tenant_id)

    @property
    def tenant_settings(self) -> FakeTenantSettingsRepository:
        return FakeTenantSettingsRepository(self.work.people, self._tenant_id)

    @property
    def callbacks(self) -> FakeCallbackRepository:
        return FakeCallbackRepository(self.work.acd, self._tenant_id)

    @property
    def call_records(self) -> FakeCallRecordRepository:
        return FakeCallRecordRepository(self.work.acd, self._tenant_id)

    @property
    def ivr_flows(self) -> FakeIvrFlowRepository:
        return FakeIvrFlowRepository(self.work.ivr, self._tenant_id)

    @property
    def workorders(self) -> FakeWorkOrderRepository:
        return FakeWorkOrderRepository(self.work.workorders, self._tenant_id)

    @property
    def workorder_config(self) -> FakeWorkOrderConfig:
        return FakeWorkOrderConfig(self.work.workorders, self.work.people, self._tenant_id)

    @property
    def workorder_peers(self) -> FakeWorkOrderPeers:
        return FakeWorkOrderPeers(self.work.workorders, self.work.people, self._tenant_id)

    @property
    def sla_clocks(self) -> FakeSlaClockStore:
        return FakeSlaClockStore(self.work.workorders, self._tenant_id)


class FakeUnits:
    """``async with units(tenant_id) as uow``, like the database's ``SqlUnits``."""

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()

    @asynccontextmanager
    async def __call__(self, tenant_id: str) -> AsyncIterator[FakeUnitOfWork]:
        unit = FakeUnitOfWork(self.store, tenant_id)
        try:
            yield unit
        finally:
            await unit.rollback()
