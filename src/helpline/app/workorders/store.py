"""Storage of work orders: the domain's :class:`WorkOrder` to rows and back, and order numbers.

An order is loaded whole (row, timeline, comments, attachments), changed by the domain, and
saved: the row's columns are rewritten from the order and only the timeline entries,
comments and attachments the change added are inserted. The timeline's ``(order, seq)``
is unique, so two requests that changed the same order at once cannot both be saved (the
second gets a 409); on PostgreSQL the row is also locked while it is being changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.recorder import caller_key
from helpline.adapters.db.tables.workorders import (
    OrderCounter,
    WorkOrderAttachmentRow,
    WorkOrderCall,
    WorkOrderCommentRow,
    WorkOrderFieldRow,
    WorkOrderRow,
    WorkOrderTimelineRow,
)
from helpline.app.timefmt import as_datetime, epoch, maybe_datetime
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import NotFound
from helpline.domain.workorders.content import (
    STANDARD_FIELDS,
    TEXT_FIELDS,
    AnswerMode,
    Basis,
    Category,
    Priority,
)
from helpline.domain.workorders.numbering import day_key, format_order_number, is_order_number
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


@dataclass
class FileMeta:
    """What the row of an attachment keeps beyond the domain's :class:`Attachment`."""

    sha256: str
    uploaded_by: str
    at: float


@dataclass
class Stored:
    """A loaded order and how much of it storage already has."""

    row: WorkOrderRow
    order: WorkOrder
    timeline: int = 0
    comments: int = 0
    attachments: set[str] = field(default_factory=set)
    custom: dict[str, Any] = field(default_factory=dict)
    files: dict[str, FileMeta] = field(default_factory=dict)


# ---- numbers ---------------------------------------------------------------------------------


async def issue_number(session: AsyncSession, tenant_id: str, now: float, prefix: str = "") -> str:
    return (await issue_numbers(session, tenant_id, now, 1, prefix))[0]


async def issue_numbers(
    session: AsyncSession, tenant_id: str, now: float, count: int, prefix: str = ""
) -> list[str]:
    """The next ``count`` numbers of the tenant's local day, counted in one atomic upsert: the
    row stays locked until the orders are committed, so two orders never get the same number."""
    day = day_key(now, CHINA_TZ)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(OrderCounter)
        .values(tenant_id=tenant_id, day=day, last_seq=count)
        .on_conflict_do_update(
            index_elements=["tenant_id", "day"], set_={"last_seq": OrderCounter.last_seq + count}
        )
        .returning(OrderCounter.last_seq)
    )
    last = int((await session.execute(stmt)).scalar_one())
    return [format_order_number(day, seq, prefix=prefix) for seq in range(last - count + 1, last + 1)]


# ---- rows <-> domain ------------------------------------------------------------------------------


def _enum(value: object) -> Any:
    return getattr(value, "value", value)


def field_text(value: object) -> str:
    """A custom value as text for equality search: ``3.0`` and ``3`` are both ``"3"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)[:500]


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


# ---- loading and saving ---------------------------------------------------------------------------


async def _children(
    session: AsyncSession, model: Any, order_ids: Sequence[str], order_by: Any
) -> dict[str, list[Any]]:
    """The rows of ``model`` of these orders, by order, in ``order_by`` order."""
    found: dict[str, list[Any]] = {order_id: [] for order_id in order_ids}
    rows = await session.scalars(select(model).where(model.order_id.in_(list(order_ids))).order_by(order_by))
    for row in rows.all():
        found[row.order_id].append(row)
    return found


async def find_row(session: AsyncSession, tenant_id: str, ref: str, *, lock: bool = False) -> WorkOrderRow:
    """The order with id (or number) ``ref`` in this tenant; another tenant's is not found."""
    match = WorkOrderRow.number == ref.strip().upper() if is_order_number(ref) else WorkOrderRow.id == ref
    stmt = select(WorkOrderRow).where(WorkOrderRow.tenant_id == tenant_id, match)
    if lock:  # and re-read: a row this session read earlier may be stale
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = (await session.scalars(stmt)).one_or_none()
    if row is None:
        raise NotFound("work_order_not_found", f"no work order {ref}", order_id=ref)
    return row


async def load(session: AsyncSession, tenant_id: str, ref: str, *, lock: bool = False) -> Stored:
    row = await find_row(session, tenant_id, ref, lock=lock)
    return (await _with_children(session, [row]))[0]


async def load_many(
    session: AsyncSession, tenant_id: str, order_ids: Sequence[str], *, lock: bool = False
) -> dict[str, Stored]:
    """:func:`load` of many orders by id, in four queries; ids not found are left out."""
    if not order_ids:
        return {}
    stmt = select(WorkOrderRow).where(
        WorkOrderRow.tenant_id == tenant_id, WorkOrderRow.id.in_(list(order_ids))
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    rows = list((await session.scalars(stmt)).all())
    return {item.order.id: item for item in await _with_children(session, rows)}


async def _with_children(session: AsyncSession, rows: Sequence[WorkOrderRow]) -> list[Stored]:
    ids = [row.id for row in rows]
    timelines = await _children(session, WorkOrderTimelineRow, ids, WorkOrderTimelineRow.seq)
    comments = await _children(session, WorkOrderCommentRow, ids, WorkOrderCommentRow.seq)
    attachments = await _children(session, WorkOrderAttachmentRow, ids, WorkOrderAttachmentRow.at)
    out = []
    for row in rows:
        timeline, said, files = timelines[row.id], comments[row.id], attachments[row.id]
        order = to_domain(row, timeline, said, files)
        out.append(
            Stored(row, order, len(timeline), len(said), {a.id for a in files}, dict(row.custom or {}))
        )
    return out


async def link_call(session: AsyncSession, tenant_id: str, order_id: str, call_id: str, at: float) -> None:
    exists = await session.scalar(
        select(WorkOrderCall.id).where(
            WorkOrderCall.tenant_id == tenant_id,
            WorkOrderCall.order_id == order_id,
            WorkOrderCall.call_id == call_id,
        )
    )
    if exists is None:
        session.add(
            WorkOrderCall(tenant_id=tenant_id, order_id=order_id, call_id=call_id, linked_at=as_datetime(at))
        )


async def order_for_call(session: AsyncSession, tenant_id: str, call_id: str) -> str | None:
    """The order a call made (the first, if a call was linked to several)."""
    return (await orders_for_calls(session, tenant_id, [call_id])).get(call_id)


async def orders_for_calls(session: AsyncSession, tenant_id: str, call_ids: Sequence[str]) -> dict[str, str]:
    """:func:`order_for_call` of many calls in one query: call id -> order id, if it has one."""
    if not call_ids:
        return {}
    rows = await session.execute(
        select(WorkOrderCall.call_id, WorkOrderCall.order_id)
        .where(WorkOrderCall.tenant_id == tenant_id, WorkOrderCall.call_id.in_(list(set(call_ids))))
        .order_by(WorkOrderCall.id.desc())
    )
    return {str(call_id): str(order_id) for call_id, order_id in rows}  # the first link wins


async def save(session: AsyncSession, stored: Stored, *, flush: bool = True) -> None:
    """Write what the domain changed: the row, and the entries it appended. ``flush=False``:
    only staged, for the session's next flush (many orders written in one go)."""
    row, order, tenant = stored.row, stored.order, stored.order.tenant_id
    write_values(row, order.values)
    write_flow(row, order)
    for entry in order.timeline[stored.timeline :]:
        session.add(
            WorkOrderTimelineRow(
                tenant_id=tenant,
                order_id=order.id,
                seq=entry.seq,
                at=as_datetime(entry.at),
                action=entry.action,
                actor_id=entry.actor_id,
                actor_role=entry.actor_role,
                old_state=entry.old_state,
                new_state=entry.new_state,
                data=dict(entry.detail),
            )
        )
    for comment in order.comments[stored.comments :]:
        session.add(
            WorkOrderCommentRow(
                tenant_id=tenant,
                order_id=order.id,
                seq=comment.id,
                at=as_datetime(comment.at),
                author_id=comment.author_id,
                text=comment.text,
            )
        )
    for attachment in order.attachments:
        if attachment.id in stored.attachments:
            continue
        meta = stored.files[attachment.id]
        session.add(
            WorkOrderAttachmentRow(
                tenant_id=tenant,
                id=attachment.id,
                order_id=order.id,
                name=attachment.name,
                content_type=attachment.content_type,
                size=attachment.size,
                sha256=meta.sha256,
                storage_key=attachment.storage_key,
                uploaded_by=meta.uploaded_by,
                at=as_datetime(meta.at),
            )
        )
    if row.custom != stored.custom:
        await session.execute(delete(WorkOrderFieldRow).where(WorkOrderFieldRow.order_id == order.id))
        for key, value in row.custom.items():
            if value is not None and value != "":
                session.add(
                    WorkOrderFieldRow(tenant_id=tenant, order_id=order.id, key=key, value=field_text(value))
                )
    if flush:
        await session.flush()
    stored.timeline, stored.comments = len(order.timeline), len(order.comments)
    stored.attachments = {a.id for a in order.attachments}
    stored.custom = dict(row.custom)


async def add(
    session: AsyncSession, order: WorkOrder, parent_id: str | None = None, *, new_call_link: bool = False
) -> Stored:
    """Stage a new order (from :meth:`WorkOrder.open`) with its first timeline entry.
    ``new_call_link``: the caller knows the call has no order yet, so the link is added
    without looking for it first (one statement less per call)."""
    if order.call_id and not new_call_link:
        [stored] = await add_many(session, [order], parent_id)
        await link_call(session, order.tenant_id, order.id, order.call_id, order.created_at)
        return stored
    [stored] = await add_many(session, [order], parent_id, call_links=True)
    return stored


async def add_many(
    session: AsyncSession,
    orders: Sequence[WorkOrder],
    parent_id: str | None = None,
    *,
    call_links: bool = False,
) -> list[Stored]:
    """Stage new orders: the rows in one flush (their entries refer to them; the session does
    not know that without relationships), then their entries and, with ``call_links``, the
    links to their calls (known to have no order yet) in the next."""
    rows = [new_row(order, parent_id) for order in orders]
    session.add_all(rows)
    await session.flush()
    stored = [Stored(row, order) for row, order in zip(rows, orders, strict=True)]
    for item in stored:
        await save(session, item, flush=False)
        order = item.order
        if order.call_id and call_links:
            session.add(
                WorkOrderCall(
                    tenant_id=order.tenant_id,
                    order_id=order.id,
                    call_id=order.call_id,
                    linked_at=as_datetime(order.created_at),
                )
            )
    await session.flush()
    return stored
