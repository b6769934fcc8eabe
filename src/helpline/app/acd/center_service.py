"""The live contact centers of this node and the one path every change takes.

A command runs against the tenant's :class:`ContactCenter` under one lock, with the time
from the injected clock; the switch carries its events out at once, and the
:class:`EventWriter` records them (database) and then publishes them (event bus) outside the
lock, so a listener never sees an event the database does not have and the lock never waits
for the database. The command returns once its events are stored. A background task fires
the core's timers when they come due.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog

from helpline.app.acd.event_writer import EventWriter
from helpline.app.clock import Clock
from helpline.app.ports import EventBus, EventRecorder, Telephony
from helpline.domain.acd.call import Call
from helpline.domain.acd.center import ContactCenter
from helpline.domain.events import (
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallExitedQueue,
    CallHeld,
    CallOffered,
    CallOfferEnded,
    CallRetrieved,
    CallTransferred,
    Event,
    SupervisorJoined,
    SupervisorLeft,
)

Action = Callable[[ContactCenter, float], list[Event]]
OfferHook = Callable[[CallOffered, Call | None], Awaitable[list[Event]]]
DispatchHook = Callable[[Sequence[Event]], None]
SwitchHook = Callable[[Event], Awaitable[bool]]
log = structlog.get_logger("helpline.center")


class CenterService:
    def __init__(
        self, clock: Clock, bus: EventBus, telephony: Telephony, recorder: EventRecorder | None = None
    ) -> None:
        self.clock = clock
        self.bus = bus
        self.telephony = telephony
        self.recorder = recorder
        self.writer = EventWriter(recorder, bus) if recorder is not None else None
        self.centers: dict[str, ContactCenter] = {}
        self.lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # run outside the lock for every offer (e.g. the screen pop); what they make is
        # published after the offer
        self.offer_hooks: list[OfferHook] = []
        # run after every batch is recorded and published, inside the lock so that they can
        # read the live calls; they must not block (queue the work, e.g. work orders per call)
        self.dispatch_hooks: list[DispatchHook] = []
        self._pending: set[asyncio.Task[None]] = set()
        # asked first for every event the switch is to carry out; one that returns True has
        # done it itself (the SIP switch: consult, conference, dial-out, transfer to a number)
        self.switch_hooks: list[SwitchHook] = []
        # other services that keep time on this loop (e.g. norm alerts): when each next has
        # work, and what each does after every tick, outside the lock
        self.deadline_sources: list[Callable[[], float | None]] = []
        self.tick_hooks: list[Callable[[], Awaitable[None]]] = []

    def center(self, tenant_id: str) -> ContactCenter:
        center = self.centers.get(tenant_id)
        if center is None:
            center = self.centers[tenant_id] = ContactCenter(tenant_id)
        return center

    async def execute(self, tenant_id: str, action: Action) -> list[Event]:
        """Run ``action(center, now)``; a DomainError leaves the center and database untouched."""
        async with self.lock:
            events = action(self.center(tenant_id), self.clock.now())
            stored = await self._dispatch(events)
        self._wake.set()
        if stored is not None:
            await asyncio.shield(stored)  # (a caller that goes away does not unqueue the write)
        return events

    async def read(
        self, tenant_id: str, reader: Callable[[ContactCenter, float], Any], *, published: bool = False
    ) -> Any:
        """A consistent read of the live state. ``published``: every event that made this state
        is on the bus first, so the bus position read with it matches (a WebSocket snapshot)."""
        async with self.lock:
            if published:
                await self.written()
            return reader(self.center(tenant_id), self.clock.now())

    def being_written(self) -> asyncio.Future[None] | None:
        """Inside a dispatch hook: the future of the batch it was called for (done once that
        batch is stored and published); None without a writer."""
        return self.writer.last if self.writer is not None else None

    async def written(self) -> None:
        """Wait until the events of every command run so far are stored and published (e.g. a
        worker that reads a call's record, queued by a dispatch hook)."""
        if self.writer is not None:
            await self.writer.flushed()

    async def tick(self) -> list[Event]:
        """Fire every timer due by the clock's now (the timer task calls this; tests may too)."""
        async with self.lock:
            now = self.clock.now()
            events: list[Event] = []
            for center in self.centers.values():
                events += center.advance(now)
            stored = await self._dispatch(events)
        if stored is not None:
            await asyncio.shield(stored)
        for tick_hook in self.tick_hooks:
            try:
                await tick_hook()
            except Exception:  # a failing listener must not stop the timers
                log.exception("tick_hook_failed")
        return events

    async def _dispatch(self, events: Sequence[Event]) -> asyncio.Future[None] | None:
        """Queue the events' write and publication, and carry them out; the future: stored."""
        if not events:
            return None
        stored = None
        if self.writer is not None:
            stored = self.writer.submit(events)
        else:
            self.bus.publish(events)
        for event in events:
            await self._switch(event)
            if isinstance(event, CallOffered) and self.offer_hooks:
                call = self.centers[event.tenant_id].calls.get(event.call_id)
                task = asyncio.create_task(self._after_offer(event, call, stored))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)
        for dispatch_hook in self.dispatch_hooks:
            try:
                dispatch_hook(events)
            except Exception:  # a failing listener must not disturb the calls
                log.exception("dispatch_hook_failed")
        return stored

    async def _after_offer(
        self, event: CallOffered, call: Call | None, stored: asyncio.Future[None] | None
    ) -> None:
        for hook in self.offer_hooks:
            try:
                made = await hook(event, call)  # (while the offer is being stored: it only reads)
                if stored is not None:
                    await asyncio.wait([stored])  # the offer is on the bus before what follows it
                self.bus.publish(made)
            except Exception:  # a failed screen pop must not disturb the call
                log.exception("offer_hook_failed", call_id=event.call_id)

    async def settle(self) -> None:
        """Wait for the work started after offers (tests, and a clean shutdown)."""
        await self.written()
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _switch(self, event: Event) -> None:
        """What the switch must do for an event of the core."""
        t, tenant = self.telephony, event.tenant_id
        for switch_hook in self.switch_hooks:
            if await switch_hook(event):
                return
        if isinstance(event, CallOffered):
            for agent_id in event.agent_ids:
                await t.ring_agent(tenant, event.call_id, agent_id)
        elif isinstance(event, CallAnswered):
            await t.bridge(tenant, event.call_id, event.agent_id)
        elif isinstance(event, CallHeld):
            await t.hold(tenant, event.call_id)
        elif isinstance(event, CallRetrieved):
            await t.retrieve(tenant, event.call_id, event.agent_id)
        elif isinstance(event, SupervisorJoined):
            await t.monitor(tenant, event.call_id, event.supervisor_id, event.mode)
        elif isinstance(event, CallTransferred) and event.flow == "blind" and event.to_number is None:
            await t.release_agent(tenant, event.call_id, event.from_agent_id)
        elif isinstance(event, CallOfferEnded):
            await t.cancel_ring(tenant, event.call_id, event.agent_id)
        elif isinstance(event, SupervisorLeft):
            await t.unmonitor(tenant, event.call_id, event.supervisor_id)
        elif isinstance(event, CallEnded) and event.ended_by == "agent" and event.agent_id:
            await t.survey(tenant, event.call_id)  # the caller stays to rate the call
        elif isinstance(event, CallEnded | CallAbandoned) or (
            isinstance(event, CallExitedQueue) and event.action == "hangup"
        ):
            await t.hangup(tenant, event.call_id)

    def wake(self) -> None:
        """Have the timer loop ask for the next deadline again (a deadline source changed)."""
        self._wake.set()

    def next_deadline(self) -> float | None:
        deadlines = [d for c in self.centers.values() if (d := c.next_deadline()) is not None]
        deadlines += [d for source in self.deadline_sources if (d := source()) is not None]
        return min(deadlines) if deadlines else None

    async def _timer_loop(self) -> None:
        while True:
            self._wake.clear()
            deadline = self.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self.clock.now())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            try:
                await self.tick()
            except Exception:  # a failing timer must not stop the others
                log.exception("timer_failed")

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._timer_loop(), name="center-timers")

    async def stop(self) -> None:
        await self.settle()
        if self.writer is not None:
            await self.writer.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
