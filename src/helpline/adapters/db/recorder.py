"""Writes the core's events to the database: the agent state log, call events and CDRs.

The center's writer hands over many commands' events at a time. They are written in one
transaction on a synchronous connection, in a thread of the recorder's own: on a busy event
loop every statement through an async driver waits for a turn of the loop (several per
statement with aiosqlite), so a group of a few statements would take longer than the calls
that make the events; in the thread a whole group costs the loop one hand-over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update

from helpline.adapters.db.tables.acd import AgentStateLog, CallEventRow, CallRecord
from helpline.app.timefmt import as_datetime
from helpline.domain.errors import DomainError
from helpline.domain.events import (
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallArrived,
    CallEnded,
    CallEvent,
    CallExitedQueue,
    CallQueued,
    Event,
    SatisfactionRated,
)
from helpline.domain.people.phone import match_keys

# fields that the call_events row keeps as columns rather than in ``data``
_COLUMNS = {"tenant_id", "at", "call_id", "type", "topic", "agent_id"}


def caller_key(caller: str) -> str | None:
    """The number's strongest match key, so call history can be found by any spelling."""
    try:
        return match_keys(caller)[0]
    except DomainError:
        return None


_CALLS = cast(Table, CallRecord.__table__)
_STATES = cast(Table, AgentStateLog.__table__)
_SEGMENTS = cast(Table, CallEventRow.__table__)
# what the events change on a call record after it is made (one UPDATE shape for them all)
_CHANGING = (
    "queue_id",
    "queued_at",
    "outcome",
    "agent_id",
    "answered_at",
    "wait_seconds",
    "ended_at",
    "talk_seconds",
    "hold_seconds",
    "ended_by",
    "satisfaction",
    "wrapup_seconds",
)
_UPDATE_CALL = (
    update(_CALLS)
    .where(_CALLS.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in _CHANGING})
)


class _Records:
    """The call records one transaction touches, as plain values: the existing ones read in
    one go before the events are applied, the new and the changed ones written at the end in
    one statement each (executemany), not an ORM object and a round trip per row."""

    def __init__(self) -> None:
        self.known: dict[str, SimpleNamespace] = {}
        self.new: set[str] = set()
        self.changed: set[str] = set()

    def load(self, connection: Connection, events: Sequence[Event]) -> None:
        arriving = {e.call_id for e in events if isinstance(e, CallArrived)}
        wanted = {
            call_id for e in events if (call_id := _record_touched(e)) is not None and call_id not in arriving
        }
        ids = sorted(wanted)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in connection.execute(select(_CALLS).where(_CALLS.c.id.in_(chunk))):
                self.known[row.id] = SimpleNamespace(**row._asdict())

    def add(self, record: SimpleNamespace) -> None:
        self.known[record.id] = record
        self.new.add(record.id)

    def get(self, tenant_id: str, call_id: str) -> SimpleNamespace | None:
        record = self.known.get(call_id)
        if record is None or record.tenant_id != tenant_id:
            return None
        if call_id not in self.new:
            self.changed.add(call_id)
        return record

    def write(self, connection: Connection) -> None:
        if self.new:
            connection.execute(insert(_CALLS), [vars(self.known[i]) for i in sorted(self.new)])
        if self.changed:
            connection.execute(
                _UPDATE_CALL,
                [
                    {"b_id": i, **{f"b_{name}": getattr(self.known[i], name) for name in _CHANGING}}
                    for i in sorted(self.changed)
                ],
            )


def _record_touched(event: Event) -> str | None:
    """The call whose record an event changes (other than by creating it)."""
    if isinstance(event, AgentStateChanged):
        return event.call_id if event.old_state == "wrap_up" else None
    return event.call_id if isinstance(event, CallEvent) else None


class SqlRecorder:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-recorder")

    async def record(self, events: Sequence[Event]) -> None:
        """Store the events in one transaction (in the recorder's thread)."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self._record, list(events))

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.engine.dispose()

    def _record(self, events: Sequence[Event]) -> None:
        states: list[dict[str, Any]] = []
        segments: list[dict[str, Any]] = []
        records = _Records()
        with self.engine.begin() as connection:
            records.load(connection, events)
            for event in events:
                if isinstance(event, AgentStateChanged):
                    states.append(
                        {
                            "tenant_id": event.tenant_id,
                            "agent_id": event.agent_id,
                            "at": as_datetime(event.at),
                            "old_state": event.old_state,
                            "new_state": event.new_state,
                            "duration": event.duration,
                            "reason": event.reason,
                            "call_id": event.call_id,
                            "by": event.by,
                        }
                    )
                    if event.old_state == "wrap_up" and event.call_id:
                        self._wrapup(records, event)
                elif isinstance(event, CallEvent):
                    segments.append(self._call_event(records, event))
            if states:
                connection.execute(insert(_STATES), states)
            records.write(connection)
            if segments:
                connection.execute(insert(_SEGMENTS), segments)

    def _wrapup(self, records: _Records, event: AgentStateChanged) -> None:
        """After-call work belongs to the call it followed (AHT = talk + hold + wrap-up)."""
        record = records.get(event.tenant_id, event.call_id or "")
        if record is not None:
            record.wrapup_seconds = (record.wrapup_seconds or 0.0) + event.duration

    def _call_event(self, records: _Records, event: CallEvent) -> dict[str, Any]:
        """The event's segment row; the call record changed as the event says."""
        data = event.as_dict()
        at = as_datetime(event.at)
        segment = {
            "tenant_id": event.tenant_id,
            "call_id": event.call_id,
            "at": at,
            "type": event.name,
            "agent_id": data.get("agent_id"),
            "data": {k: v for k, v in data.items() if k not in _COLUMNS},
        }
        if isinstance(event, CallArrived):
            records.add(
                SimpleNamespace(
                    tenant_id=event.tenant_id,
                    id=event.call_id,
                    direction=event.direction,
                    caller=event.caller,
                    caller_key=caller_key(event.caller),
                    callee=event.callee,
                    arrived_at=at,
                    **{name: None for name in _CHANGING if name != "outcome"},
                    outcome="active",
                )
            )
            return segment
        record = records.get(event.tenant_id, event.call_id)
        if record is None:
            return segment
        if isinstance(event, CallQueued):
            record.queue_id = event.queue_id
            record.queued_at = record.queued_at or at
            record.outcome = "queued"
        elif isinstance(event, CallAnswered):
            record.agent_id = event.agent_id
            if record.answered_at is None:
                record.answered_at = at
                record.wait_seconds = event.waited
            record.outcome = "answered"
        elif isinstance(event, CallEnded):
            record.ended_at = at
            record.talk_seconds = event.talk
            record.hold_seconds = event.held
            record.ended_by = event.ended_by
            if record.answered_at is None:
                record.outcome = "unanswered"
            else:
                record.outcome = "transferred_out" if event.ended_by == "transfer" else "handled"
        elif isinstance(event, CallAbandoned):
            record.ended_at = at
            record.wait_seconds = event.waited
            record.outcome = "abandoned"
            record.ended_by = "caller"
        elif isinstance(event, CallExitedQueue) and event.action != "queue":
            record.ended_at = at
            record.wait_seconds = event.waited
            record.outcome = event.action
        elif isinstance(event, SatisfactionRated):
            record.satisfaction = event.score
        return segment
