"""Finding work orders in the database (工单检索, NORMS §2): by number, caller number in any
spelling, customer name, state, category, dates, unit, custom field equality and full text;
the working lists (my orders, the leader's inbox, callbacks due, overdue clocks) and the
reports that keep the center honest (calls that ended without an order, SLA warnings and
breaches).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import CallEventRow, CallRecord
from helpline.adapters.db.tables.people import Customer
from helpline.adapters.db.tables.workorders import (
    SlaClockRow,
    SlaEventRow,
    WorkOrderCall,
    WorkOrderFieldRow,
    WorkOrderRow,
)
from helpline.app.timefmt import as_datetime, iso
from helpline.app.workorders.ports import OrderFilter
from helpline.app.workorders.views import OPEN_CLOCK_STATES, clock_view, summary
from helpline.domain.errors import DomainError, Invalid
from helpline.domain.people.phone import match_keys
from helpline.domain.workorders.order import OPEN_STATES

OPEN = sorted(s.value for s in OPEN_STATES)
WORKING = sorted(s.value for s in OPEN_STATES if s.value != "draft")
MISSED_OUTCOMES = ("abandoned", "voicemail", "callback", "hangup")


def caller_matches(raw: str, name: str = "caller") -> Any:
    """Orders whose caller is ``raw`` however either side wrote it.

    A landline typed without its area code (``6552 8888``, as a caller from the same city
    says it) matches the stored ``+86 10 6552 8888`` (an area code is 2 or 3 digits), and a
    full landline also finds an order kept under the bare local number.
    """
    try:
        keys = match_keys(raw)
    except DomainError:
        raise Invalid("invalid_phone", f"{raw!r} is not a phone number", fields=[name]) from None
    if not keys[0].startswith("local:"):
        return WorkOrderRow.caller_key.in_(keys)
    local, key = keys[0].removeprefix("local:"), WorkOrderRow.caller_key
    # Area codes: 10 and 2x (two digits), else three digits starting 3-9 (no 1x, no 2x).
    three_digit = and_(key.like(f"+86___{local}"), ~key.like("+861%"), ~key.like("+862%"))
    return or_(key == keys[0], key == f"+8610{local}", key.like(f"+862_{local}"), three_digit)


def _field_conditions(wanted: Mapping[str, str]) -> list[Any]:
    """``field = value`` on custom fields, the values in their stored (canonical) form."""
    return [
        exists().where(
            WorkOrderFieldRow.order_id == WorkOrderRow.id,
            WorkOrderFieldRow.key == key,
            WorkOrderFieldRow.value == text,
        )
        for key, text in wanted.items()
    ]


def _filtered(tenant_id: str, f: OrderFilter) -> Select[Any]:
    stmt = select(WorkOrderRow).where(WorkOrderRow.tenant_id == tenant_id)
    if f.number:
        stmt = stmt.where(WorkOrderRow.number.like(f"%{f.number.strip().upper()}%"))
    if f.caller:
        stmt = stmt.where(caller_matches(f.caller))
    if f.customer:
        names = select(Customer.id).where(
            Customer.tenant_id == tenant_id, Customer.name.like(f"%{f.customer}%")
        )
        stmt = stmt.where(WorkOrderRow.customer_id.in_(names))
    if f.call_id:
        linked = select(WorkOrderCall.order_id).where(
            WorkOrderCall.tenant_id == tenant_id, WorkOrderCall.call_id == f.call_id
        )
        stmt = stmt.where(WorkOrderRow.id.in_(linked))
    if f.states:
        stmt = stmt.where(WorkOrderRow.state.in_(list(f.states)))
    if f.categories:
        stmt = stmt.where(WorkOrderRow.category.in_(list(f.categories)))
    if f.created_from:
        stmt = stmt.where(WorkOrderRow.created_at >= f.created_from)
    if f.created_to:
        stmt = stmt.where(WorkOrderRow.created_at < f.created_to)
    if f.unit_id:
        stmt = stmt.where(
            or_(
                WorkOrderRow.unit_id == f.unit_id,
                (WorkOrderRow.assignee_kind == "unit") & (WorkOrderRow.assignee_id == f.unit_id),
            )
        )
    if f.assignee_id:
        stmt = stmt.where(WorkOrderRow.assignee_id == f.assignee_id)
    if f.owner_id:
        stmt = stmt.where(WorkOrderRow.first_owner_id == f.owner_id)
    if f.urgent is not None:
        stmt = stmt.where(WorkOrderRow.urgent == f.urgent)
    if f.supervised is not None:
        stmt = stmt.where(WorkOrderRow.supervised == f.supervised)
    for condition in _field_conditions(f.fields):
        stmt = stmt.where(condition)
    return stmt


async def _count(session: AsyncSession, stmt: Select[*tuple[Any, ...]]) -> int:
    return int((await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one())


async def search(
    session: AsyncSession,
    tenant_id: str,
    f: OrderFilter,
    *,
    offset: int = 0,
    limit: int = 50,
    scores: Mapping[str, float] | None = None,
) -> tuple[int, list[WorkOrderRow]]:
    """Newest first; with ``scores`` (full-text hits), best match first."""
    stmt = _filtered(tenant_id, f)
    if scores is not None:
        score = dict(scores)
        found = list((await session.scalars(stmt.where(WorkOrderRow.id.in_(list(score))))).all())
        found.sort(key=lambda r: (-score[r.id], -r.created_at.timestamp()))
        return len(found), found[offset : offset + limit]
    total = await _count(session, stmt)
    rows = await session.scalars(
        stmt.order_by(WorkOrderRow.created_at.desc(), WorkOrderRow.id).offset(offset).limit(limit)
    )
    return total, list(rows.all())


async def mine(
    session: AsyncSession,
    tenant_id: str,
    user_id: str,
    units: Sequence[str],
    states: Sequence[str] = (),
    *,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[WorkOrderRow]]:
    """Orders the user owns (首问) or holds, directly or through their ``units``."""
    held = (WorkOrderRow.assignee_kind == "user") & (WorkOrderRow.assignee_id == user_id)
    if units:
        held = held | ((WorkOrderRow.assignee_kind == "unit") & WorkOrderRow.assignee_id.in_(list(units)))
    stmt = select(WorkOrderRow).where(
        WorkOrderRow.tenant_id == tenant_id,
        or_(WorkOrderRow.first_owner_id == user_id, held),
        WorkOrderRow.state.in_(list(states or OPEN)),
    )
    total = await _count(session, stmt)
    rows = await session.scalars(stmt.order_by(WorkOrderRow.updated_at.desc()).offset(offset).limit(limit))
    return total, list(rows.all())


async def leader_inbox(
    session: AsyncSession, tenant_id: str, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[WorkOrderRow]]:
    """Complaint, help and urgent orders still being worked (NORMS §4.6-4.7), urgent first."""
    stmt = select(WorkOrderRow).where(
        WorkOrderRow.tenant_id == tenant_id,
        WorkOrderRow.state.in_(WORKING),
        or_(WorkOrderRow.category.in_(["complaint", "help"]), WorkOrderRow.urgent.is_(True)),
    )
    total = await _count(session, stmt)
    rows = await session.scalars(
        stmt.order_by(WorkOrderRow.urgent.desc(), WorkOrderRow.supervised.desc(), WorkOrderRow.created_at)
        .offset(offset)
        .limit(limit)
    )
    return total, list(rows.all())


async def due_clocks(
    session: AsyncSession,
    tenant_id: str,
    now: float,
    *,
    kinds: Sequence[str] = (),
    overdue_only: bool = False,
    user_id: str | None = None,
    units: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Open clocks with their orders, soonest due first: callbacks due (``kinds=["callback"]``),
    the overdue list (``overdue_only``). ``user_id`` keeps the orders that user owns or holds."""
    stmt = (
        select(SlaClockRow, WorkOrderRow)
        .join(
            WorkOrderRow,
            (WorkOrderRow.id == SlaClockRow.order_id) & (WorkOrderRow.tenant_id == SlaClockRow.tenant_id),
        )
        .where(SlaClockRow.tenant_id == tenant_id, SlaClockRow.state.in_(OPEN_CLOCK_STATES))
    )
    if kinds:
        stmt = stmt.where(SlaClockRow.kind.in_(list(kinds)))
    if overdue_only:
        stmt = stmt.where(or_(SlaClockRow.breached.is_(True), SlaClockRow.due_at <= as_datetime(now)))
    if user_id is not None:
        stmt = stmt.where(
            or_(
                WorkOrderRow.first_owner_id == user_id,
                WorkOrderRow.assignee_id == user_id,
                (WorkOrderRow.assignee_kind == "unit") & WorkOrderRow.assignee_id.in_(list(units)),
            )
        )
    rows = await session.execute(stmt.order_by(SlaClockRow.due_at))
    out = []
    for clock, order in rows.all():
        overdue_by = max(0.0, round(now - clock.due_at.timestamp(), 1))
        out.append({"clock": clock_view(clock, now), "order": summary(order), "overdue_seconds": overdue_by})
    return out


def _consult_legs(tenant_id: str) -> Select[Any]:
    return select(CallEventRow.data["consult_call_id"].as_string()).where(
        CallEventRow.tenant_id == tenant_id, CallEventRow.type == "consult_started"
    )


async def calls_without_order(
    session: AsyncSession,
    tenant_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[int, list[dict[str, Any]]]:
    """NORMS §4.1, every call makes an order: ended calls that an agent answered, or that
    were missed in a queue, and that no order names. IVR-only calls, internal calls,
    consult legs and outbound calls nobody picked up are not counted."""
    has_order = exists().where(
        WorkOrderCall.tenant_id == CallRecord.tenant_id, WorkOrderCall.call_id == CallRecord.id
    )
    stmt = select(CallRecord).where(
        CallRecord.tenant_id == tenant_id,
        CallRecord.ended_at.is_not(None),
        ~has_order,
        CallRecord.direction != "internal",
        or_(CallRecord.answered_at.is_not(None), CallRecord.outcome.in_(MISSED_OUTCOMES)),
        CallRecord.id.not_in(_consult_legs(tenant_id)),
    )
    if since is not None:
        stmt = stmt.where(CallRecord.ended_at >= since)
    if until is not None:
        stmt = stmt.where(CallRecord.ended_at < until)
    total = await _count(session, stmt)
    rows = await session.scalars(stmt.order_by(CallRecord.ended_at.desc()).offset(offset).limit(limit))
    return total, [
        {
            "call_id": c.id,
            "direction": c.direction,
            "caller": c.caller,
            "callee": c.callee,
            "agent_id": c.agent_id,
            "queue_id": c.queue_id,
            "outcome": c.outcome,
            "arrived_at": iso(c.arrived_at),
            "ended_at": iso(c.ended_at),
            "talk_seconds": c.talk_seconds,
        }
        for c in rows.all()
    ]


async def sla_events(
    session: AsyncSession,
    tenant_id: str,
    *,
    types: Sequence[str] = ("sla_warning", "sla_breached"),
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[int, list[dict[str, Any]]]:
    """Warnings and breaches as they happened, with the order they concerned (for reports)."""
    stmt = (
        select(SlaEventRow, WorkOrderRow.number)
        .join(
            WorkOrderRow,
            (WorkOrderRow.id == SlaEventRow.order_id) & (WorkOrderRow.tenant_id == SlaEventRow.tenant_id),
            isouter=True,
        )
        .where(SlaEventRow.tenant_id == tenant_id, SlaEventRow.type.in_(list(types)))
    )
    if since is not None:
        stmt = stmt.where(SlaEventRow.at >= since)
    if until is not None:
        stmt = stmt.where(SlaEventRow.at < until)
    total = await _count(session, stmt)
    rows = await session.execute(
        stmt.order_by(SlaEventRow.at.desc(), SlaEventRow.id.desc()).offset(offset).limit(limit)
    )
    return total, [
        {
            "type": e.type,
            "at": iso(e.at),
            "kind": e.kind,
            "clock_id": e.clock_id,
            "order_id": e.order_id,
            "number": number,
            "due": iso(e.due_at),
            **(e.data or {}),
        }
        for e, number in rows.all()
    ]


async def caller_orders(
    session: AsyncSession, tenant_id: str, caller: str, customer_id: str | None, limit: int = 5
) -> dict[str, list[dict[str, Any]]]:
    """The caller's open orders and most recent ones, for the screen pop.

    By the number and by the customer apart, each newest first along its own index, then
    merged: one query with ``OR`` had SQLite walk the tenant's every order by date instead.
    """
    conditions = []
    with contextlib.suppress(Invalid):  # a hidden or odd caller ID: the customer may still match
        conditions.append(caller_matches(caller))
    if customer_id:
        conditions.append(WorkOrderRow.customer_id == customer_id)

    async def newest(extra: Any, n: int) -> list[WorkOrderRow]:
        found: dict[str, WorkOrderRow] = {}
        for condition in conditions:
            stmt = select(WorkOrderRow).where(WorkOrderRow.tenant_id == tenant_id, condition, extra)
            for row in await session.scalars(stmt.order_by(WorkOrderRow.created_at.desc()).limit(n)):
                found[row.id] = row
        return sorted(found.values(), key=lambda r: r.created_at, reverse=True)[:n]

    open_rows = await newest(WorkOrderRow.state.in_(OPEN), 20)
    recent = await newest(true(), limit)
    return {"open": [summary(r) for r in open_rows], "recent": [summary(r) for r in recent]}
