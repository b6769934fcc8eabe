"""The composition root: builds every adapter and service from ``Settings``. Nothing global.

To add a service: build it in :func:`build_container`, keep it on a ``Container`` field, and
register what it must do at start and stop with :meth:`Container.on_startup` /
:meth:`Container.on_shutdown` (shutdown hooks run in reverse order).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from types import TracebackType

import structlog
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpline.adapters.bus.memory import MemoryBus
from helpline.adapters.center_metrics import CenterCollector
from helpline.adapters.db.engine import make_engine, make_sessionmaker
from helpline.adapters.db.recorder import SqlRecorder
from helpline.adapters.telephony.sim import SimSwitch
from helpline.app import acd_config
from helpline.app.center_service import CenterService
from helpline.app.clock import Clock, SystemClock
from helpline.app.screen_pop import ScreenPopBuilder
from helpline.app.security import Passwords
from helpline.config import Settings, resolve_secret_key

Hook = Callable[[], Awaitable[None]]


@dataclass
class Container:
    """What a running platform is made of; one per process (or per test)."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    passwords: Passwords
    metrics: CollectorRegistry
    clock: Clock
    bus: MemoryBus
    switch: SimSwitch
    centers: CenterService
    screen_pop: ScreenPopBuilder
    _startup: list[Hook] = field(default_factory=list, repr=False)
    _shutdown: list[Hook] = field(default_factory=list, repr=False)
    _closed: bool = field(default=False, repr=False)

    async def go_live(self) -> None:
        """Load the live contact centers from the database and start their timers.

        Only the server goes live; CLI commands that just read or write rows do not.
        """
        try:
            async with self.sessionmaker() as session:
                await acd_config.load_all(session, self.centers)
        except SQLAlchemyError as exc:  # stay up, so /healthz can say what is wrong
            structlog.get_logger("helpline").error("live_state_not_loaded", error=str(exc))
        await self.centers.start()
        self.on_shutdown(self.centers.stop)

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
    if settings.telephony != "sim":
        raise ValueError(f"unknown telephony {settings.telephony!r}: only 'sim' is built in so far")
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    clock = clock or SystemClock()
    bus = MemoryBus()
    switch = SimSwitch()
    container = Container(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        passwords=Passwords(settings.password_hashing),
        metrics=metrics if metrics is not None else CollectorRegistry(),
        clock=clock,
        bus=bus,
        switch=switch,
        centers=CenterService(clock, bus, switch, SqlRecorder(sessionmaker)),
        screen_pop=ScreenPopBuilder(sessionmaker),
    )
    container.metrics.register(CenterCollector(container.centers))
    container.centers.offer_hooks.append(container.screen_pop.for_offer)
    try:
        await container.start()
    except BaseException:
        await container.aclose()
        raise
    return container
