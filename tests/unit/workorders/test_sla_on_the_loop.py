"""The SLA clocks keep time on the node's one timer loop (the centers'), on the fakes: a
deadline source and a tick hook, no task of their own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from fakes.unit_of_work import FakeUnits
from fakes.workorders import FakeSlaClockStore
from helpline.app.clock import VirtualClock
from helpline.app.workorders.sla import SlaService
from helpline.domain.events import Event
from helpline.domain.workorders.notices import Addressed

NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


class Loop:
    def __init__(self) -> None:
        self.deadline_sources: list[Callable[[], float | None]] = []
        self.tick_hooks: list[Callable[[], Awaitable[None]]] = []
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


class Heard:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, events: Sequence[Event]) -> None:
        self.events += events


async def _started() -> tuple[SlaService, Loop, Heard, VirtualClock, FakeUnits]:
    units, clock, heard, loop = FakeUnits(), VirtualClock(NOON), Heard(), Loop()
    sla = SlaService(units, clock, heard, loop)  # type: ignore[arg-type]
    await sla.load_all()
    await sla.start()
    return sla, loop, heard, clock, units


async def test_a_promise_fires_on_the_loop_and_is_kept() -> None:
    sla, loop, heard, clock, units = await _started()
    [source], [hook] = loop.deadline_sources, loop.tick_hooks
    assert source() is None and loop.woken == 1
    await sla.promise("default", "order-1", NOON + HOUR, NOON)
    due = source()
    assert loop.woken == 2 and due is not None and NOON < due <= NOON + HOUR  # the loop asks again
    await hook()
    assert heard.events == []  # not due yet
    clock.set(NOON + HOUR + 1)
    await hook()
    fired = [e.event.name for e in heard.events if isinstance(e, Addressed)]
    assert fired[-1] == "sla_breached"
    assert "sla_breached" in [e.name for e in units.store.workorders.sla_events]
    await sla.stop()
    assert loop.deadline_sources == [] and loop.tick_hooks == []


async def test_a_failing_tick_holds_the_next_back_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    sla, loop, _, clock, _ = await _started()
    await sla.promise("default", "order-1", NOON + HOUR, NOON)
    [source], [hook] = loop.deadline_sources, loop.tick_hooks

    async def broken(self: Any, clocks: Any, events: Any) -> None:
        raise RuntimeError("storage is down")

    monkeypatch.setattr(FakeSlaClockStore, "save", broken)
    clock.set(NOON + HOUR + 1)
    await hook()  # logged, not raised
    after = source()
    assert after is None or after >= NOON + HOUR + 2  # the loop does not spin on it


async def test_a_clock_that_fell_due_while_down_fires_at_the_first_tick() -> None:
    sla, _, _, _, units = await _started()
    await sla.promise("default", "order-1", NOON + HOUR, NOON)
    clock, heard, loop = VirtualClock(NOON + 2 * HOUR), Heard(), Loop()
    restarted = SlaService(units, clock, heard, loop)  # type: ignore[arg-type]
    await restarted.load_all()
    await restarted.start()
    [source], [hook] = loop.deadline_sources, loop.tick_hooks
    assert (source() or 0) <= NOON + HOUR
    await hook()
    assert "sla_breached" in [e.event.name for e in heard.events if isinstance(e, Addressed)]
