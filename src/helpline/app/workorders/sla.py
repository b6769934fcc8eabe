"""The live SLA clocks of this node: one :class:`SlaBoard` per tenant, whose warnings and
breaches fire on the centers' timer loop.

Work-order events are fed in after the order's change is committed (``feed``); the board
starts, pauses, meets or cancels the clocks they concern (``on_workorder_event``, the
domain's one table of it). Every change to a clock is written to ``sla_clocks`` (its
``as_dict()`` state, so the boards are rebuilt at start-up) and every SLA event to
``sla_events`` (kept for reports), then published. One lock orders all of it. The clocks
keep time on the one timer loop of the node (:class:`TimerLoop`, the centers' loop): their
next deadline is one of its deadline sources and :meth:`tick` runs after its ticks, so no
second loop sleeps beside it; tests drive :meth:`tick` with a time of their choosing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

import structlog
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db.tables.people import Tenant
from helpline.adapters.db.tables.workorders import SlaClockRow, SlaEventRow
from helpline.app.clock import Clock
from helpline.app.ports import EventBus
from helpline.app.timefmt import as_datetime
from helpline.app.workorders import config as wo_config
from helpline.app.workorders.notify import address
from helpline.domain.errors import DomainError
from helpline.domain.events import Event
from helpline.domain.workorders import events as ev
from helpline.domain.workorders.sla import (
    OPEN_CLOCKS,
    SlaBoard,
    SlaKind,
    SlaPolicy,
    clock_id,
    on_workorder_event,
)

log = structlog.get_logger("helpline.sla")
_EVENT_COLUMNS = {"tenant_id", "at", "topic", "type", "clock_id", "kind", "order_id", "due"}


class TimerLoop(Protocol):
    """The node's one timer loop (``CenterService``): it sleeps until the earliest deadline
    of its sources, then runs its tick hooks; ``wake`` has it ask the sources again."""

    deadline_sources: list[Callable[[], float | None]]
    tick_hooks: list[Callable[[], Awaitable[None]]]

    def wake(self) -> None: ...


class SlaService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        bus: EventBus,
        timers: TimerLoop | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
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
        async with self.lock, self.sessionmaker() as session:
            for tenant_id in (await session.scalars(select(Tenant.id))).all():
                board = self.boards[tenant_id] = SlaBoard(
                    tenant_id, await wo_config.sla_policy(session, tenant_id)
                )
                rows = await session.scalars(
                    select(SlaClockRow).where(
                        SlaClockRow.tenant_id == tenant_id,
                        SlaClockRow.state.in_([s.value for s in OPEN_CLOCKS]),
                    )
                )
                for row in rows.all():
                    try:
                        board.restore(row.data)
                    except (DomainError, KeyError, ValueError):
                        log.exception("sla_clock_not_restored", clock_id=row.id)
        self._wake()

    async def reload_policy(self, tenant_id: str) -> SlaPolicy:
        """After the tenant's SLA settings or units changed: new clocks use the new policy;
        running clocks keep the calendar and span they started with."""
        async with self.sessionmaker() as session:
            policy = await wo_config.sla_policy(session, tenant_id)
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
                async with self.sessionmaker() as session:
                    self.bus.publish(await address(session, out))
        return out

    async def _persist(self, events: Sequence[Event]) -> None:
        sla_events = [e for e in events if isinstance(e, ev.SlaEvent)]
        if not sla_events:
            return
        touched = dict.fromkeys((e.tenant_id, e.clock_id) for e in sla_events)
        async with self.sessionmaker() as session, session.begin():
            for tenant in {tenant_id for tenant_id, _ in touched}:  # one query per tenant, not per clock
                ids = [cid for tenant_id, cid in touched if tenant_id == tenant]
                stmt = select(SlaClockRow).where(SlaClockRow.tenant_id == tenant, SlaClockRow.id.in_(ids))
                (await session.scalars(stmt)).all()  # ``session.get`` below finds them in the session
            for tenant_id, cid in touched:
                clock = self.board(tenant_id).clocks.get(cid)
                if clock is None:
                    continue
                row = await session.get(SlaClockRow, (tenant_id, cid))
                if row is None:
                    row = SlaClockRow(tenant_id=tenant_id, id=cid)
                    session.add(row)
                row.order_id, row.kind, row.state = clock.order_id, clock.kind.value, clock.state.value
                row.unit_id, row.due_at = clock.unit_id, as_datetime(clock.due)
                row.warned, row.breached, row.data = clock.warned, clock.breached, clock.as_dict()
            rows = []
            for event in sla_events:
                data = event.as_dict()
                rows.append(
                    {
                        "tenant_id": event.tenant_id,
                        "at": as_datetime(event.at),
                        "type": event.name,
                        "clock_id": event.clock_id,
                        "kind": event.kind,
                        "order_id": event.order_id,
                        "due_at": as_datetime(event.due),
                        "data": {k: v for k, v in data.items() if k not in _EVENT_COLUMNS},
                    }
                )
            await session.execute(insert(SlaEventRow), rows)  # one statement (their ids are not needed)
        for tenant_id, cid in {(e.tenant_id, e.clock_id) for e in sla_events}:
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
