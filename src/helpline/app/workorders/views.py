"""How the screens show work orders and their clocks: one shape for lists, the screen pop and
the full view, so they cannot drift apart. The read side (``WorkOrderReads``) builds them
from what it stored; these functions only read attributes."""

from __future__ import annotations

from typing import Any

from helpline.app.timefmt import iso
from helpline.domain.workorders.content import compose_title
from helpline.domain.workorders.sla import OPEN_CLOCKS

OPEN_CLOCK_STATES = [s.value for s in OPEN_CLOCKS]


def clock_view(row: Any, now: float) -> dict[str, Any]:
    """A clock as the screens show it (``row``: a stored clock, with its columns)."""
    due = row.due_at.timestamp()
    return {
        "id": row.id,
        "kind": row.kind,
        "state": row.state,
        "unit_id": row.unit_id,
        "due": iso(row.due_at),
        "seconds_left": round(due - now, 1) if row.state == "running" else None,
        "warned": row.warned,
        "breached": row.breached or (row.state == "running" and due <= now),
    }


def summary(row: Any, customer_name: str | None = None) -> dict[str, Any]:
    """An order as lists and the screen pop show it (``row``: a stored order, with its columns)."""
    return {
        "id": row.id,
        "number": row.number,
        "state": row.state,
        "channel": row.channel,
        "title": compose_title(row.location or "", row.summary or "", row.urgent),
        "category": row.category,
        "reason_code": row.reason_code,
        "priority": row.priority,
        "urgent": row.urgent,
        "supervised": row.supervised,
        "caller_number": row.caller_number,
        "customer_id": row.customer_id,
        "customer_name": customer_name,
        "unit_id": row.unit_id,
        "first_owner_id": row.first_owner_id,
        "assignee": {"kind": row.assignee_kind, "id": row.assignee_id} if row.assignee_kind else None,
        "call_id": row.call_id,
        "duplicate_count": len(row.duplicate_ids or ()),
        "merged_into": row.merged_into,
        "parent_id": row.parent_id,
        "satisfaction": row.satisfaction,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
