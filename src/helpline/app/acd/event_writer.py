"""The one ordered writer of the center's events: stored together, then published in order.

Commands run under the center's lock. Writing their events to the database there would make
every command wait for the database (and, on SQLite, for every other writer), so under load
the lock, not the core, would set the pace. Instead a command only queues its batch; this
writer takes everything queued since its last write, records it in one transaction (group
commit) and then publishes the batches in the order they were made. A command still returns
only once its batch is stored, so an API answer means "saved", and a listener still never
sees an event the database does not have.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence

import structlog

from helpline.app.ports import EventBus, EventRecorder
from helpline.domain.events import Event

log = structlog.get_logger("helpline.center")
MAX_GROUP = 2_000  # events in one transaction at most (a burst is written in a few goes)


class EventWriter:
    def __init__(self, recorder: EventRecorder, bus: EventBus) -> None:
        self.recorder = recorder
        self.bus = bus
        self._queue: deque[tuple[Sequence[Event], asyncio.Future[None]]] = deque()
        self._last: asyncio.Future[None] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.groups = 0  # transactions written (metrics, tests)

    def submit(self, events: Sequence[Event]) -> asyncio.Future[None]:
        """Queue a batch; the future is done once it is stored and published (or failed to store)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((events, future))
        self._last = future
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="center-event-writer")
        return future

    @property
    def last(self) -> asyncio.Future[None] | None:
        """The future of the batch queued last (a dispatch hook's own batch: hooks run right
        after it is queued)."""
        return self._last

    async def flushed(self) -> None:
        """Wait until every batch queued so far is stored and published (not its outcome)."""
        last = self._last
        if last is not None and not last.done():
            await asyncio.wait([last])

    async def stop(self) -> None:
        await self.flushed()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                group: list[tuple[Sequence[Event], asyncio.Future[None]]] = []
                size = 0
                while self._queue and (not group or size + len(self._queue[0][0]) <= MAX_GROUP):
                    item = self._queue.popleft()
                    group.append(item)
                    size += len(item[0])
                await self._write(group)

    async def _write(self, group: list[tuple[Sequence[Event], asyncio.Future[None]]]) -> None:
        failed: dict[int, BaseException] = {}
        try:
            await self.recorder.record([event for events, _ in group for event in events])
        except Exception:
            # one bad batch must not lose the others: store them one by one
            for index, (events, _) in enumerate(group):
                try:
                    await self.recorder.record(events)
                except Exception as exc:
                    log.exception("events_not_recorded", events=[e.name for e in events])
                    failed[index] = exc
        self.groups += 1
        for index, (events, future) in enumerate(group):
            # published even when not stored: the floor must see what the live center did
            self.bus.publish(events)
            if future.done():
                continue
            if index in failed:
                future.set_exception(failed[index])
            else:
                future.set_result(None)
