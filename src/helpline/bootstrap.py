"""The composition root: builds every adapter and service from ``Settings``. Nothing global.

To add a service: build it in :func:`build_container`, keep it on a ``Container`` field, and
register what it must do at start and stop with :meth:`Container.on_startup` /
:meth:`Container.on_shutdown` (shutdown hooks run in reverse order).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType

import structlog
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpline.adapters.attachments import AttachmentStore
from helpline.adapters.bus.memory import MemoryBus
from helpline.adapters.center_metrics import CenterCollector
from helpline.adapters.db.engine import make_engine, make_sessionmaker, make_sync_engine
from helpline.adapters.db.recorder import SqlRecorder
from helpline.adapters.db.unit_of_work import SqlUnitOfWork, SqlUnits
from helpline.adapters.report_render import ReportRenderer
from helpline.adapters.telephony.sim import SimSwitch
from helpline.adapters.telephony.sip.quality import MediaMetrics
from helpline.adapters.telephony.sip.switch import SipSwitch
from helpline.app.acd import config as acd_config
from helpline.app.acd.center_service import CenterService
from helpline.app.acd.screen_pop import ScreenPopBuilder
from helpline.app.clock import Clock, SystemClock
from helpline.app.floor.breaks import FloorService
from helpline.app.floor.norm_alerts import NormAlertService
from helpline.app.people.security import Passwords
from helpline.app.telephony.softphone import SoftphoneService
from helpline.app.workorders.calls import CallOrders, screen_pop_section
from helpline.app.workorders.service import WorkOrderService
from helpline.app.workorders.sla import SlaService
from helpline.bootstrap_sip import SipRuntime, build_sip, build_softphone
from helpline.config import Settings, resolve_secret_key

Hook = Callable[[], Awaitable[None]]


@dataclass
class Container:
    """What a running platform is made of; one per process (or per test)."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    units: SqlUnits  # units of work: ``async with units(tenant_id) as uow``
    report_renderer: ReportRenderer  # reports as JSON, CSV, XLSX, printable HTML, PDF
    passwords: Passwords
    metrics: CollectorRegistry
    clock: Clock
    bus: MemoryBus
    switch: SimSwitch | SipSwitch
    sip: SipRuntime | None  # telephony = "sip": the switch's accounts and its bridge to the ACD
    centers: CenterService
    screen_pop: ScreenPopBuilder[SqlUnitOfWork]
    sla: SlaService
    workorders: WorkOrderService
    call_orders: CallOrders
    floor: FloorService  # break requests and the leader's messages (NORMS §5)
    norm_alerts: NormAlertService  # norm alerts as they happen, on the centers' timer loop
    softphone: SoftphoneService | None = None  # the browser softphone's WebRTC gateway
    _startup: list[Hook] = field(default_factory=list, repr=False)
    _shutdown: list[Hook] = field(default_factory=list, repr=False)
    _closed: bool = field(default=False, repr=False)

    async def database_answers(self) -> bool:
        """Whether the database answers ``SELECT 1`` now (the health check)."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure means "not now": the check reports it, never raises
            return False
        return True

    async def go_live(self) -> None:
        """Load the live contact centers from the database and start their timers.

        Only the server goes live; CLI commands that just read or write rows do not.
        """
        try:
            await acd_config.load_all(self.units, self.centers, self.settings.default_tenant)
        except SQLAlchemyError as exc:  # stay up, so /healthz can say what is wrong
            structlog.get_logger("helpline").error("live_state_not_loaded", error=str(exc))
        await self.centers.start()
        self.on_shutdown(self.centers.stop)
        try:
            await self.sla.load_all()
        except SQLAlchemyError as exc:
            structlog.get_logger("helpline").error("sla_clocks_not_loaded", error=str(exc))
        await self.sla.start()  # on the centers' timer loop: what fell due while down fires now
        self.on_shutdown(self.sla.stop)
        try:
            await self.norm_alerts.start()
        except SQLAlchemyError as exc:
            structlog.get_logger("helpline").error("norm_alerts_not_started", error=str(exc))
        self.on_shutdown(self.norm_alerts.stop)
        await self.call_orders.start()
        self.on_shutdown(self.call_orders.stop)
        if self.sip is not None:  # last: calls may come in as soon as it listens
            self.on_shutdown(self.sip.stop)
            await self.sip.go_live()

    @cached_property
    def secret_key(self) -> str:
        """Read (or created) on first use, so the CLI never writes a key file it doesn't need."""
        return resolve_secret_key(self.settings)

    def on_startup(self, hook: Hook) -> None:
        self._startup.append(hook)

    def on_shutdown(self, hook: Hook) -> None:
        self._shutdown.append(hook)

    async def start(self) -> None:
        for hook in self._startup:
            await hook()

    async def aclose(self) -> None:
        """Run shutdown hooks newest first, then close the database pool. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            for hook in reversed(self._shutdown):
                await hook()
        finally:
            await self.engine.dispose()
            if isinstance(self.centers.recorder, SqlRecorder):
                await asyncio.to_thread(self.centers.recorder.close)

    async def __aenter__(self) -> Container:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def build_container(
    settings: Settings, *, metrics: CollectorRegistry | None = None, clock: Clock | None = None
) -> Container:
    """Build and start everything ``settings`` describe. Pair with ``await container.aclose()``
    (or use ``async with await build_container(...)``)."""
    if settings.telephony not in ("sim", "sip"):
        raise ValueError(f"unknown telephony {settings.telephony!r}: 'sim' or 'sip'")
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    clock = clock or SystemClock()
    bus = MemoryBus()
    units = SqlUnits(sessionmaker, bus)
    sip = build_sip(settings, units, clock) if settings.telephony == "sip" else None
    switch: SimSwitch | SipSwitch = sip.switch if sip is not None else SimSwitch()
    recorder = SqlRecorder(make_sync_engine(settings.database_url, foreign_keys=True))
    centers = CenterService(clock, bus, switch, recorder)
    if sip is not None:
        sip.connect(centers)
    sla = SlaService(units, clock, bus, centers)  # its clocks keep time on the centers' loop
    files = AttachmentStore(Path(settings.data_dir) / "attachments")
    workorders = WorkOrderService(clock, bus, sla, files)
    floor = FloorService(units, clock, centers)
    container = Container(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        units=units,
        report_renderer=ReportRenderer(),
        passwords=Passwords(settings.password_hashing),
        metrics=metrics if metrics is not None else CollectorRegistry(),
        clock=clock,
        bus=bus,
        switch=switch,
        sip=sip,
        centers=centers,
        screen_pop=ScreenPopBuilder(units.small_statements()),  # index lookups
        sla=sla,
        workorders=workorders,
        call_orders=CallOrders(units.small_statements(), workorders, centers),  # ADR 0006
        floor=floor,
        norm_alerts=NormAlertService(units, clock, bus, centers, floor, settings.default_tenant),
    )
    container.metrics.register(CenterCollector(container.centers))
    if sip is not None and sip.bridge is not None:  # RTP/RTCP call quality on /metrics
        sip.bridge.media_metrics = MediaMetrics(lambda: sip.switch.calls)
        container.metrics.register(sip.bridge.media_metrics)
    container.centers.offer_hooks.append(container.screen_pop.for_offer)
    container.centers.dispatch_hooks.append(container.call_orders.on_events)
    container.screen_pop.sections.append(screen_pop_section)
    container.softphone = build_softphone(units, sip, settings.webrtc_ice_servers)
    container.centers.dispatch_hooks.append(container.softphone.on_events)
    container.on_shutdown(container.softphone.stop)
    try:
        await container.start()
    except BaseException:
        await container.aclose()
        raise
    return container
