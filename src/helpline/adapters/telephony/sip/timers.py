"""Where the SIP core gets its timers: the asyncio loop in production, a virtual one in tests.

An ``asyncio.AbstractEventLoop`` already is a :class:`Scheduler`; :class:`VirtualScheduler`
runs the same callbacks when a test moves its time forward, so the RFC 3261 timers (A to K)
are checked in microseconds instead of the 32 seconds they take on the wire.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    def call_later(self, delay: float, callback: Callable[[], object], /) -> Cancellable: ...

    def time(self) -> float: ...


@dataclass(frozen=True)
class TimerConfig:
    """RFC 3261 §17: T1 (RTT estimate), T2 (max non-INVITE retransmit interval), T4 (max
    time a message stays in the network). Timers A-K are derived from them."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0

    @property
    def b(self) -> float:
        return 64 * self.t1


class _Handle:
    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualScheduler:
    """A scheduler whose time moves only when :meth:`advance` is called."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._heap: list[tuple[float, int, _Handle]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], object], /) -> _Handle:
        handle = _Handle(self._now + max(0.0, delay), callback)
        heapq.heappush(self._heap, (handle.when, next(self._order), handle))
        return handle

    def advance(self, seconds: float) -> None:
        """Move time forward, running every callback that comes due, in time order."""
        until = self._now + seconds
        while self._heap and self._heap[0][0] <= until:
            when, _, handle = heapq.heappop(self._heap)
            self._now = max(self._now, when)
            if not handle.cancelled:
                handle.callback()
        self._now = until

    @property
    def pending(self) -> int:
        return sum(1 for _, _, h in self._heap if not h.cancelled)
