"""A work order's row and its children to the domain's :class:`WorkOrder` and back: the
mapping the work-order repositories share (``repositories/workorders.py`` writes with it,
the read side reads summaries with it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpline.adapters.db.recorder import caller_key
from helpline.adapters.db.tables.workorders import (
    WorkOrderAttachmentRow,
    WorkOrderCommentRow,
    WorkOrderRow,
    WorkOrderTimelineRow,
)
from helpline.app.timefmt import as_datetime, epoch, maybe_datetime
from helpline.domain.workorders.classification import Category
from helpline.domain.workorders.content import (
    STANDARD_FIELDS,
    TEXT_FIELDS,
    AnswerMode,
    Basis,
    Priority,
)
from helpline.domain.workorders.order import (
    Assignee,
    AssigneeKind,
    Attachment,
    Channel,
    Comment,
    TimelineEntry,
    WorkOrder,
    WorkOrderState,
)


def _enum(value: object) -> Any:
    return getattr(value, "value", value)


def values_of(row: WorkOrderRow) -> dict[str, object]:
    values: dict[str, object] = {
        "priority": Priority(row.priority),
        "urgent": row.urgent,
        "complex_case": row.complex_case,
    }
    for name in TEXT_FIELDS:
        text = getattr(row, name)
        if text is not None:
            values[name] = text
    if row.category is not None:
        values["category"] = Category(row.category)
    if row.answer_mode is not None:
        values["answer_mode"] = AnswerMode(row.answer_mode)
    if row.basis is not None:
        values["basis"] = tuple(Basis.from_value(b) for b in row.basis)
    for name in ("reason_code", "unit_id", "caller_number", "customer_id"):
        if getattr(row, name) is not None:
            values[name] = getattr(row, name)
    values.update(row.custom or {})
    return values


def write_values(row: WorkOrderRow, values: Mapping[str, object]) -> None:
    for name in TEXT_FIELDS:
        setattr(row, name, values.get(name))
    row.category = _enum(values.get("category"))
    row.answer_mode = _enum(values.get("answer_mode"))
    row.priority = int(values.get("priority") or Priority.NORMAL)  # type: ignore[call-overload]
    row.urgent = values.get("urgent") is True
    row.complex_case = values.get("complex_case") is True
    basis = values.get("basis")
    row.basis = [b.as_dict() for b in basis] if isinstance(basis, tuple) else None
    for name in ("reason_code", "unit_id", "caller_number", "customer_id"):
        value = values.get(name)
        setattr(row, name, value if isinstance(value, str) else None)
    row.caller_key = caller_key(row.caller_number) if row.caller_number else None
    row.custom = {k: v for k, v in values.items() if k not in STANDARD_FIELDS}


def write_flow(row: WorkOrderRow, order: WorkOrder) -> None:
    row.state = order.state.value
    row.first_owner_id = order.first_owner_id
    row.assignee_kind = order.assignee.kind.value if order.assignee else None
    row.assignee_id = order.assignee.id if order.assignee else None
    row.supervised, row.satisfaction = order.supervised, order.satisfaction
    row.merged_into, row.duplicate_ids = order.merged_into, list(order.duplicate_ids)
    row.reply_text, row.cause = order.reply_text, order.cause
    row.reopen_count, row.return_count = order.reopen_count, order.return_count
    row.call_ended_at = maybe_datetime(order.call_ended_at)
    row.updated_at = as_datetime(order.updated_at)
    row.submitted_at = maybe_datetime(order.submitted_at)
    row.closed_at = maybe_datetime(order.closed_at)


def new_row(order: WorkOrder, parent_id: str | None = None) -> WorkOrderRow:
    row = WorkOrderRow(
        id=order.id,
        tenant_id=order.tenant_id,
        number=order.number,
        channel=order.channel.value,
        call_id=order.call_id,
        parent_id=parent_id,
        created_at=as_datetime(order.created_at),
    )
    write_values(row, order.values)
    write_flow(row, order)
    return row


def to_domain(
    row: WorkOrderRow,
    timeline: Sequence[WorkOrderTimelineRow],
    comments: Sequence[WorkOrderCommentRow],
    attachments: Sequence[WorkOrderAttachmentRow],
) -> WorkOrder:
    order = WorkOrder(
        row.id,
        row.tenant_id,
        row.number,
        first_owner_id=row.first_owner_id,
        created_at=row.created_at.timestamp(),
        channel=Channel(row.channel),
        call_id=row.call_id,
        call_ended_at=epoch(row.call_ended_at),
    )
    order.state = WorkOrderState(row.state)
    order.values = values_of(row)
    order.updated_at = row.updated_at.timestamp()
    order.assignee = (
        Assignee(AssigneeKind(row.assignee_kind), row.assignee_id)
        if row.assignee_kind and row.assignee_id
        else None
    )
    order.supervised, order.satisfaction = row.supervised, row.satisfaction
    order.merged_into, order.duplicate_ids = row.merged_into, list(row.duplicate_ids or ())
    order.reply_text, order.cause = row.reply_text, row.cause
    order.submitted_at, order.closed_at = epoch(row.submitted_at), epoch(row.closed_at)
    order.reopen_count, order.return_count = row.reopen_count, row.return_count
    order.timeline = [
        TimelineEntry(
            t.seq,
            t.at.timestamp(),
            t.action,
            t.actor_id,
            t.actor_role,
            t.old_state,
            t.new_state,
            dict(t.data or {}),
        )
        for t in timeline
    ]
    order.comments = [Comment(c.seq, c.at.timestamp(), c.author_id, c.text) for c in comments]
    order.attachments = [Attachment(a.id, a.name, a.content_type, a.size, a.storage_key) for a in attachments]
    return order
