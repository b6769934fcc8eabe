"""The live SLA clocks of this node: one :class:`SlaBoard` per tenant, whose warnings and
breaches fire on the centers' timer loop.

Work-order events are fed in after the order's change is committed (``feed``); the board
starts, pauses, meets or cancels the clocks they concern (``on_workorder_event``, the
domain's one table of it). Every change to a clock is stored (its ``as_dict()`` state, so
the boards are rebuilt at start-up) with its SLA events (kept for reports:
``SlaClockStore``), then published. One lock orders all of it. The clocks
keep time on the one timer loop of the node (:class:`TimerLoop`, the centers' loop): their
next deadline is one of its deadline sources and :meth:`tick` runs after its ticks, so no
second loop sleeps beside it; tests drive :meth:`tick` with a time of their choosing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

import structlog

from helpline.app.clock import Clock
from helpline.app.ports import EventBus
from helpline.app.workorders import config as wo_config
from helpline.app.workorders.notify import address, audience, order_ids
from helpline.app.workorders.ports import WorkOrderUnits
from helpline.domain.errors import DomainError
from helpline.domain.events import Event
from helpline.domain.workorders import events as ev
from helpline.domain.workorders.sla import (
    SlaBoard,
    SlaKind,
    SlaPolicy,
)
from helpline.domain.workorders.sla_triggers import clock_id, on_workorder_event

log = structlog.get_logger("helpline.sla")
PLATFORM = ""  # the tenant of a unit that only lists tenants


class TimerLoop(Protocol):
    """The node's one timer loop (``CenterService``): it sleeps until the earliest deadline
    of its sources, then runs its tick hooks; ``wake`` has it ask the sources again."""

    deadline_sources: list[Callable[[], float | None]]
    tick_hooks: list[Callable[[], Awaitable[None]]]

    def wake(self) -> None: ...


class SlaService:
    def __init__(
        self,
        units: WorkOrderUnits,
        clock: Clock,
        bus: EventBus,
        timers: TimerLoop | None = None,
    ) -> None:
        self.units = units
        self.clock = clock
        self.bus = bus
        self.timers = timers
        self.boards: dict[str, SlaBoard] = {}
        self.lock = asyncio.Lock()
        self.live = False
        self._retry_at = float("-inf")  # a failed tick holds the next one back until then

    def board(self, tenant_id: str) -> SlaBoard:
        board = self.boards.get(tenant_id)
        if board is None:
            board = self.boards[tenant_id] = SlaBoard(tenant_id)
        return board

    # ---- start-up and configuration -------------------------------------------------------------

    async def load_all(self) -> None:
        """Rebuild every tenant's board from the open clocks in storage. A clock that fell
        due while the platform was down fires at the first tick."""
        async with self.lock:
            async with self.units(PLATFORM) as uow:
                tenants = [tenant.id for tenant in await uow.tenants.list()]
            for tenant_id in tenants:
                async with self.units(tenant_id) as uow:
                    board = self.boards[tenant_id] = SlaBoard(tenant_id, await wo_config.sla_policy(uow))
                    clocks = await uow.sla_clocks.open_clocks()
                for cid, data in clocks:
                    try:
                        board.restore(data)
                    except (DomainError, KeyError, ValueError):
                        log.exception("sla_clock_not_restored", clock_id=cid)
        self._wake()

    async def reload_policy(self, tenant_id: str) -> SlaPolicy:
        """After the tenant's SLA settings or units changed: new clocks use the new policy;
        running clocks keep the calendar and span they started with."""
        async with self.units(tenant_id) as uow:
            policy = await wo_config.sla_policy(uow)
        async with self.lock:
            self.board(tenant_id).policy = policy
        return policy

    # ---- changes --------------------------------------------------------------------------------

    async def feed(self, events: Iterable[Event]) -> list[Event]:
        """Apply committed work-order events to the clocks; returns the SLA events (persisted,
        not yet published: the caller publishes them after the order's own events)."""
        out: list[Event] = []
        async with self.lock:
            for event in events:
                if not isinstance(event, ev.WorkOrderEvent):
                    continue
                try:
                    out += on_workorder_event(self.board(event.tenant_id), event)
                except DomainError:  # the order's change stands; the clock is logged, not lost silently
                    log.exception("sla_feed_failed", order_id=event.order_id, event=event.name)
            await self._persist(out)
        self._wake()
        return out

    async def promise(self, tenant_id: str, order_id: str, due: float, now: float) -> list[Event]:
        """承诺时限: a time promised to the customer; a new promise replaces the last one."""
        async with self.lock:
            board, cid = self.board(tenant_id), clock_id(order_id, "promised")
            out: list[Event] = []
            if cid in board.clocks and board.clocks[cid].is_open:
                out += board.cancel(cid, now)
            out += board.start(cid, SlaKind.PROMISED, now, order_id=order_id, due=due)
            await self._persist(out)
        self._wake()
        return out

    async def meet(self, tenant_id: str, clock_ids: Sequence[str], now: float) -> list[Event]:
        """Meet the clocks among ``clock_ids`` that are open (the others are left alone)."""
        async with self.lock:
            board = self.board(tenant_id)
            out: list[Event] = []
            for cid in clock_ids:
                clock = board.clocks.get(cid)
                if clock is not None and clock.is_open:
                    out += board.meet(cid, now)
            await self._persist(out)
        return out

    async def tick(self, now: float | None = None) -> list[Event]:
        """Fire every warning and breach due by ``now`` (default: the clock's now), persist
        and publish them."""
        async with self.lock:
            at = self.clock.now() if now is None else now
            out: list[Event] = []
            for board in self.boards.values():
                out += board.advance(at)
            if out:
                await self._persist(out)
                await self._publish(out)
        return out

    async def _publish(self, events: Sequence[Event]) -> None:
        """Publish clock events with the audience of their orders (read per tenant)."""
        for tenant_id in dict.fromkeys(e.tenant_id for e in events):
            of_tenant = [e for e in events if e.tenant_id == tenant_id]
            async with self.units(tenant_id) as uow:
                heard = await audience(uow, order_ids=order_ids(of_tenant))
            self.bus.publish(address(heard, of_tenant))

    async def _persist(self, events: Sequence[Event]) -> None:
        sla_events = [e for e in events if isinstance(e, ev.SlaEvent)]
        if not sla_events:
            return
        touched = dict.fromkeys((e.tenant_id, e.clock_id) for e in sla_events)
        for tenant in dict.fromkeys(tenant_id for tenant_id, _ in touched):
            board = self.board(tenant)
            clocks = [c for t, cid in touched if t == tenant and (c := board.clocks.get(cid)) is not None]
            async with self.units(tenant) as uow:
                await uow.sla_clocks.save(clocks, [e for e in sla_events if e.tenant_id == tenant])
                await uow.commit()
        for tenant_id, cid in touched:
            board = self.board(tenant_id)
            clock = board.clocks.get(cid)
            if clock is not None and not clock.is_open:
                board.forget(cid)  # its state is in storage; memory holds only open clocks

    # ---- the timer ------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """The earliest warning or breach due on any board (a deadline source of the loop)."""
        deadlines = [d for b in self.boards.values() if (d := b.next_deadline()) is not None]
        return min(deadlines) if deadlines else None

    def _due(self) -> float | None:
        """The loop's question: :meth:`next_deadline`, held back a second after a failed tick
        (a tick that keeps failing must not spin the loop)."""
        deadline = self.next_deadline()
        return None if deadline is None else max(deadline, self._retry_at)

    def _wake(self) -> None:
        if self.live and self.timers is not None:
            self.timers.wake()  # a clock started or moved: the next deadline may be sooner

    async def _on_tick(self) -> None:
        """A tick hook of the loop: fire what fell due (a clock that fell due while the
        platform was down is due at the first tick after start)."""
        now = self.clock.now()
        deadline = self._due()
        if deadline is None or deadline > now:
            return
        try:
            await self.tick()
        except Exception:  # the clocks stay due: the next try comes a second later
            self._retry_at = now + 1.0
            log.exception("sla_tick_failed")

    async def start(self) -> None:
        """Keep time on the node's timer loop (after :meth:`load_all`)."""
        if self.timers is None or self.live:
            return
        self.live = True
        self.timers.deadline_sources.append(self._due)
        self.timers.tick_hooks.append(self._on_tick)
        self.timers.wake()

    async def stop(self) -> None:
        if self.timers is None or not self.live:
            return
        self.live = False
        if self._due in self.timers.deadline_sources:
            self.timers.deadline_sources.remove(self._due)
        if self._on_tick in self.timers.tick_hooks:
            self.timers.tick_hooks.remove(self._on_tick)
