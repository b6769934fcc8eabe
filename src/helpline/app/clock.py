"""Clocks: the one place time comes from. The server uses wall time, the simulator and
tests a virtual clock they move by hand."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds; epoch seconds for the system clock."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class VirtualClock:
    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def set(self, at: float) -> None:
        if at < self._now:
            raise ValueError("a virtual clock does not run backwards")
        self._now = at

    def advance(self, seconds: float) -> float:
        self.set(self._now + seconds)
        return self._now
