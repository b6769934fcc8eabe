"""Writes the core's events to the database: the agent state log, call events and CDRs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db.acd_tables import AgentStateLog, CallEventRow, CallRecord
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
from helpline.domain.phone import match_keys

# fields that the call_events row keeps as columns rather than in ``data``
_COLUMNS = {"tenant_id", "at", "call_id", "type", "topic", "agent_id"}


def caller_key(caller: str) -> str | None:
    """The number's strongest match key, so call history can be found by any spelling."""
    try:
        return match_keys(caller)[0]
    except DomainError:
        return None


def as_datetime(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


class _Records:
    """The call records one transaction touches: each read once, new ones not read back."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.known: dict[str, CallRecord | None] = {}

    async def get(self, tenant_id: str, call_id: str) -> CallRecord | None:
        if call_id not in self.known:
            self.known[call_id] = await self.session.get(CallRecord, call_id)
        record = self.known[call_id]
        return record if record is not None and record.tenant_id == tenant_id else None


class SqlRecorder:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def record(self, events: Sequence[Event]) -> None:
        """One transaction for the lot (the center's writer hands over many commands' events)."""
        async with self.sessionmaker() as session, session.begin():
            records = _Records(session)
            for event in events:
                if isinstance(event, AgentStateChanged):
                    session.add(
                        AgentStateLog(
                            tenant_id=event.tenant_id,
                            agent_id=event.agent_id,
                            at=as_datetime(event.at),
                            old_state=event.old_state,
                            new_state=event.new_state,
                            duration=event.duration,
                            reason=event.reason,
                            call_id=event.call_id,
                            by=event.by,
                        )
                    )
                    if event.old_state == "wrap_up" and event.call_id:
                        await self._wrapup(records, event)
                elif isinstance(event, CallEvent):
                    await self._call_event(session, records, event)

    async def _wrapup(self, records: _Records, event: AgentStateChanged) -> None:
        """After-call work belongs to the call it followed (AHT = talk + hold + wrap-up)."""
        record = await records.get(event.tenant_id, event.call_id or "")
        if record is not None:
            record.wrapup_seconds = (record.wrapup_seconds or 0.0) + event.duration

    async def _call_event(self, session: AsyncSession, records: _Records, event: CallEvent) -> None:
        data = event.as_dict()
        session.add(
            CallEventRow(
                tenant_id=event.tenant_id,
                call_id=event.call_id,
                at=as_datetime(event.at),
                type=event.name,
                agent_id=data.get("agent_id"),
                data={k: v for k, v in data.items() if k not in _COLUMNS},
            )
        )
        at = as_datetime(event.at)
        if isinstance(event, CallArrived):
            new = CallRecord(
                tenant_id=event.tenant_id,
                id=event.call_id,
                direction=event.direction,
                caller=event.caller,
                caller_key=caller_key(event.caller),
                callee=event.callee,
                arrived_at=at,
            )
            session.add(new)
            records.known[event.call_id] = new
            return
        record = await records.get(event.tenant_id, event.call_id)
        if record is None:
            return
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
