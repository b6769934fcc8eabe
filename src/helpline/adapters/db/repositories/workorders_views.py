"""The read side of work orders in the database: list items, the full order with its
timeline, and clocks, in the screens' shapes (``WorkOrderReads`` of
``helpline.app.workorders.ports``).

The full view shows an order together with the duplicates merged into it: their timelines
interleaved by time (each entry names its order), their calls, and how many there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import CallRecord
from helpline.adapters.db.tables.people import Customer
from helpline.adapters.db.tables.workorders import (
    SlaClockRow,
    WorkOrderAttachmentRow,
    WorkOrderCall,
    WorkOrderRow,
    WorkOrderTimelineRow,
)
from helpline.app.timefmt import iso
from helpline.app.workorders.views import OPEN_CLOCK_STATES, clock_view, summary
from helpline.domain.workorders.order import TimelineEntry, WorkOrder


async def customer_names(session: AsyncSession, rows: Sequence[WorkOrderRow]) -> dict[str, str]:
    ids = {r.customer_id for r in rows if r.customer_id}
    if not ids:
        return {}
    found = await session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
    return {cid: name for cid, name in found.all()}


async def summaries(
    session: AsyncSession, rows: Sequence[WorkOrderRow], now: float | None = None, *, clocks: bool = False
) -> list[dict[str, Any]]:
    names = await customer_names(session, rows)
    items = [summary(r, names.get(r.customer_id or "")) for r in rows]
    if clocks and rows:
        by_order = await open_clocks(session, rows[0].tenant_id, [r.id for r in rows], now or 0.0)
        for item in items:
            item["clocks"] = by_order.get(item["id"], [])
    return items


async def open_clocks(
    session: AsyncSession, tenant_id: str, order_ids: Sequence[str], now: float
) -> dict[str, list[dict[str, Any]]]:
    rows = await session.scalars(
        select(SlaClockRow)
        .where(
            SlaClockRow.tenant_id == tenant_id,
            SlaClockRow.order_id.in_(list(order_ids)),
            SlaClockRow.state.in_(OPEN_CLOCK_STATES),
        )
        .order_by(SlaClockRow.due_at)
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows.all():
        out.setdefault(row.order_id or "", []).append(clock_view(row, now))
    return out


def _entry(entry: TimelineEntry, order_id: str, number: str) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": iso(entry.at),
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "old_state": entry.old_state,
        "new_state": entry.new_state,
        "detail": dict(entry.detail),
        "order_id": order_id,
        "number": number,
    }


def _row_entry(row: WorkOrderTimelineRow, number: str) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": iso(row.at),
        "action": row.action,
        "actor_id": row.actor_id,
        "actor_role": row.actor_role,
        "old_state": row.old_state,
        "new_state": row.new_state,
        "detail": dict(row.data or {}),
        "order_id": row.order_id,
        "number": number,
    }


async def _calls(session: AsyncSession, tenant_id: str, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(WorkOrderCall.order_id, CallRecord)
        .join(
            CallRecord,
            (CallRecord.id == WorkOrderCall.call_id) & (CallRecord.tenant_id == tenant_id),
            isouter=True,
        )
        .where(WorkOrderCall.tenant_id == tenant_id, WorkOrderCall.order_id.in_(list(order_ids)))
        .order_by(WorkOrderCall.id)
    )
    out = []
    for order_id, call in rows.all():
        if call is None:
            continue
        out.append(
            {
                "order_id": order_id,
                "call_id": call.id,
                "direction": call.direction,
                "caller": call.caller,
                "callee": call.callee,
                "agent_id": call.agent_id,
                "outcome": call.outcome,
                "arrived_at": iso(call.arrived_at),
                "ended_at": iso(call.ended_at),
                "talk_seconds": call.talk_seconds,
            }
        )
    return out


async def _timeline(
    session: AsyncSession, order: WorkOrder
) -> tuple[list[dict[str, Any]], list[WorkOrderRow]]:
    """The order's timeline interleaved by time with its merged duplicates', and those."""
    timeline = [_entry(e, order.id, order.number) for e in order.timeline]
    if not order.duplicate_ids:
        return timeline, []
    stmt = select(WorkOrderRow).where(
        WorkOrderRow.tenant_id == order.tenant_id, WorkOrderRow.id.in_(order.duplicate_ids)
    )
    duplicates = list((await session.scalars(stmt)).all())
    numbers = {d.id: d.number for d in duplicates}
    extra = await session.scalars(
        select(WorkOrderTimelineRow).where(WorkOrderTimelineRow.order_id.in_(list(numbers)))
    )
    timeline += [_row_entry(t, numbers[t.order_id]) for t in extra.all()]
    timeline.sort(key=lambda e: (e["at"] or "", e["order_id"] != order.id, e["seq"]))
    return timeline, duplicates


async def order_view(session: AsyncSession, order: WorkOrder, now: float) -> dict[str, Any]:
    """Everything an order holds, with its history, calls, files, clocks and relatives."""
    row = await session.get(WorkOrderRow, order.id)  # (in the session already: no statement)
    if row is None or row.tenant_id != order.tenant_id:
        raise ValueError(f"work order {order.id!r} is not stored")
    data = order.as_dict()
    for key in ("created_at", "updated_at", "submitted_at", "closed_at", "call_ended_at"):
        data[key] = iso(data[key])
    timeline, duplicates = await _timeline(session, order)
    files = await session.scalars(
        select(WorkOrderAttachmentRow)
        .where(WorkOrderAttachmentRow.order_id == order.id)
        .order_by(WorkOrderAttachmentRow.at)
    )
    clocks = await session.scalars(
        select(SlaClockRow)
        .where(SlaClockRow.tenant_id == order.tenant_id, SlaClockRow.order_id == order.id)
        .order_by(SlaClockRow.due_at)
    )
    children = await session.scalars(
        select(WorkOrderRow)
        .where(WorkOrderRow.tenant_id == order.tenant_id, WorkOrderRow.parent_id == order.id)
        .order_by(WorkOrderRow.created_at)
    )
    names = await customer_names(session, [row])
    return {
        **data,
        "parent_id": row.parent_id,
        "customer": {"id": row.customer_id, "name": names.get(row.customer_id)} if row.customer_id else None,
        "timeline": timeline,
        "comments": [
            {"id": c.id, "at": iso(c.at), "author_id": c.author_id, "text": c.text} for c in order.comments
        ],
        "attachments": [
            {
                "id": f.id,
                "name": f.name,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "uploaded_by": f.uploaded_by,
                "at": iso(f.at),
            }
            for f in files.all()
        ],
        "calls": await _calls(session, order.tenant_id, [order.id, *order.duplicate_ids]),
        "clocks": [clock_view(c, now) for c in clocks.all()],
        "duplicates": [summary(d) for d in duplicates],
        "children": [summary(c) for c in children.all()],
    }
