"""The center's event writer: commands queued while a write runs go into the next transaction
together, are published in the order they were made and only once stored, and a batch that
cannot be stored fails its own command without losing the others."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from helpline.adapters.bus.memory import MemoryBus
from helpline.app.acd.event_writer import EventWriter
from helpline.domain.events import AgentStateChanged, Event


def change(n: int, agent: str = "a1") -> AgentStateChanged:
    return AgentStateChanged(
        tenant_id="t1", at=float(n), agent_id=agent, old_state="ready", new_state=f"s{n}"
    )


class ListRecorder:
    """Stores in a list; a transaction takes a while, and events of agent "bad" cannot be stored."""

    def __init__(self, bus: MemoryBus) -> None:
        self.bus = bus
        self.stored: list[Event] = []
        self.transactions: list[int] = []
        self.published_before_stored = 0

    async def record(self, events: Sequence[Event]) -> None:
        await asyncio.sleep(0.01)
        if any(isinstance(e, AgentStateChanged) and e.agent_id == "bad" for e in events):
            raise RuntimeError("constraint failed")
        self.published_before_stored += self.bus.last_seq("t1") - len(self.stored)
        self.stored += events
        self.transactions.append(len(events))


async def test_batches_queued_during_a_write_share_the_next_transaction_and_keep_their_order() -> None:
    bus = MemoryBus()
    recorder = ListRecorder(bus)
    writer = EventWriter(recorder, bus)
    listener = bus.subscribe("t1")
    first = writer.submit([change(0)])
    await asyncio.sleep(0)  # the writer takes the first batch alone
    rest = [writer.submit([change(n), change(n + 100)]) for n in range(1, 6)]
    await asyncio.gather(first, *rest)
    assert recorder.transactions == [1, 10]
    assert recorder.published_before_stored == 0
    received = [(await listener.get())[1]["at"] for _ in range(11)]
    assert received == [0.0] + [x for n in range(1, 6) for x in (float(n), float(n + 100))]
    assert [e.at for e in recorder.stored] == received
    await writer.stop()


async def test_a_batch_that_cannot_be_stored_fails_its_command_alone() -> None:
    bus = MemoryBus()
    recorder = ListRecorder(bus)
    writer = EventWriter(recorder, bus)
    blocker = writer.submit([change(0)])
    await asyncio.sleep(0)
    good_before = writer.submit([change(1)])
    bad = writer.submit([change(2, agent="bad")])
    good_after = writer.submit([change(3)])
    await blocker
    await good_before
    with pytest.raises(RuntimeError, match="constraint failed"):
        await bad
    await good_after
    assert [e.at for e in recorder.stored] == [0.0, 1.0, 3.0]
    # the floor still sees what the live center did
    assert bus.last_seq("t1") == 4
    await writer.stop()


async def test_flushed_waits_for_what_was_queued() -> None:
    bus = MemoryBus()
    writer = EventWriter(ListRecorder(bus), bus)
    await writer.flushed()  # nothing queued: returns at once
    writer.submit([change(1)])
    writer.submit([change(2)])
    assert bus.last_seq("t1") == 0
    await writer.flushed()
    assert bus.last_seq("t1") == 2
    await writer.stop()
