"""A heap of pending deadlines, held by the core itself so that it stays free of I/O.

The driver (the virtual clock of the simulator, or the asyncio loop of the server) asks
for :meth:`Timers.next_at` and calls back when that time has come. A timer is cancelled
lazily: its owner keeps a token, and a timer whose token is stale is simply ignored.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field


@dataclass(order=True, slots=True)
class Timer:
    at: float
    seq: int
    kind: str = field(compare=False)
    key: str = field(compare=False)
    token: int = field(compare=False, default=0)
    arg: int = field(compare=False, default=0)


class Timers:
    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, at: float, kind: str, key: str, token: int = 0, arg: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self._heap, Timer(at, self._seq, kind, key, token, arg))

    def next_at(self) -> float | None:
        return self._heap[0].at if self._heap else None

    def peek(self) -> Timer | None:
        return self._heap[0] if self._heap else None

    def drop_next(self) -> None:
        heapq.heappop(self._heap)

    def pop_due(self, now: float) -> Timer | None:
        if self._heap and self._heap[0].at <= now:
            return heapq.heappop(self._heap)
        return None
