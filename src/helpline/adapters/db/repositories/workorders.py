"""Work orders in the database (``helpline.app.workorders.ports.WorkOrderRepository``): the
domain's :class:`WorkOrder` to rows and back, order numbers and the calls linked to orders.

An order is loaded whole (row, timeline, comments, attachments), changed by the domain, and
saved: the row's columns are rewritten from the order and only the timeline entries,
comments and attachments the change added are inserted (the repository remembers what it
loaded). The timeline's ``(order, seq)`` is unique, so two requests that changed the same
order at once cannot both be saved (the second gets a 409); on PostgreSQL the row is also
locked while it is being changed. Call-order rounds keep their statement shapes (ADR 0006):
one statement per table and shape, not per order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.workorders_rows import new_row, to_domain, write_flow, write_values
from helpline.adapters.db.tables.workorders import (
    OrderCounter,
    WorkOrderAttachmentRow,
    WorkOrderCall,
    WorkOrderCommentRow,
    WorkOrderFieldRow,
    WorkOrderRow,
    WorkOrderTimelineRow,
)
from helpline.app.timefmt import as_datetime
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import NotFound
from helpline.domain.workorders.numbering import day_key, format_order_number, is_order_number
from helpline.domain.workorders.order import Attachment, WorkOrder
from helpline.domain.workorders.records import FileMeta, Holders, field_text


@dataclass
class _Seen:
    """A loaded order's row and how much of the order storage already has."""

    row: WorkOrderRow
    timeline: int = 0
    comments: int = 0
    attachments: set[str] = field(default_factory=set)
    custom: dict[str, Any] = field(default_factory=dict)


class SqlWorkOrderRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self._seen: dict[str, _Seen] = {}

    # ---- numbers ----------------------------------------------------------------------------------

    async def issue_numbers(self, now: float, count: int, prefix: str = "") -> list[str]:
        """Counted in one atomic upsert: the row stays locked until the orders are committed,
        so two orders never get the same number."""
        day = day_key(now, CHINA_TZ)
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(OrderCounter)
            .values(tenant_id=self.tenant_id, day=day, last_seq=count)
            .on_conflict_do_update(
                index_elements=["tenant_id", "day"], set_={"last_seq": OrderCounter.last_seq + count}
            )
            .returning(OrderCounter.last_seq)
        )
        last = int((await self.session.execute(stmt)).scalar_one())
        return [format_order_number(day, seq, prefix=prefix) for seq in range(last - count + 1, last + 1)]

    # ---- loading ------------------------------------------------------------------------------------

    async def _find_row(self, ref: str, *, lock: bool = False) -> WorkOrderRow:
        match = WorkOrderRow.number == ref.strip().upper() if is_order_number(ref) else WorkOrderRow.id == ref
        stmt = select(WorkOrderRow).where(WorkOrderRow.tenant_id == self.tenant_id, match)
        if lock:  # and re-read: a row this session read earlier may be stale
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        row = (await self.session.scalars(stmt)).one_or_none()
        if row is None:
            raise NotFound("work_order_not_found", f"no work order {ref}", order_id=ref)
        return row

    async def id_of(self, ref: str) -> str:
        return (await self._find_row(ref)).id

    async def get(self, ref: str, *, lock: bool = False) -> WorkOrder:
        row = await self._find_row(ref, lock=lock)
        return (await self._with_children([row]))[0]

    async def load_many(self, order_ids: Sequence[str], *, lock: bool = False) -> dict[str, WorkOrder]:
        if not order_ids:
            return {}
        stmt = select(WorkOrderRow).where(
            WorkOrderRow.tenant_id == self.tenant_id, WorkOrderRow.id.in_(list(order_ids))
        )
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        rows = list((await self.session.scalars(stmt)).all())
        return {order.id: order for order in await self._with_children(rows)}

    async def _children(self, model: Any, order_ids: Sequence[str], order_by: Any) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {order_id: [] for order_id in order_ids}
        stmt = select(model).where(model.order_id.in_(list(order_ids))).order_by(order_by)
        for row in (await self.session.scalars(stmt)).all():
            found[row.order_id].append(row)
        return found

    async def _with_children(self, rows: Sequence[WorkOrderRow]) -> list[WorkOrder]:
        ids = [row.id for row in rows]
        timelines = await self._children(WorkOrderTimelineRow, ids, WorkOrderTimelineRow.seq)
        comments = await self._children(WorkOrderCommentRow, ids, WorkOrderCommentRow.seq)
        attachments = await self._children(WorkOrderAttachmentRow, ids, WorkOrderAttachmentRow.at)
        out = []
        for row in rows:
            timeline, said, files = timelines[row.id], comments[row.id], attachments[row.id]
            out.append(to_domain(row, timeline, said, files))
            self._seen[row.id] = _Seen(
                row, len(timeline), len(said), {a.id for a in files}, dict(row.custom or {})
            )
        return out

    # ---- calls ------------------------------------------------------------------------------------

    async def link_call(self, order_id: str, call_id: str, at: float) -> None:
        exists = await self.session.scalar(
            select(WorkOrderCall.id).where(
                WorkOrderCall.tenant_id == self.tenant_id,
                WorkOrderCall.order_id == order_id,
                WorkOrderCall.call_id == call_id,
            )
        )
        if exists is None:
            self.session.add(
                WorkOrderCall(
                    tenant_id=self.tenant_id, order_id=order_id, call_id=call_id, linked_at=as_datetime(at)
                )
            )
            await self.session.flush()

    async def orders_for_calls(self, call_ids: Collection[str]) -> dict[str, str]:
        if not call_ids:
            return {}
        rows = await self.session.execute(
            select(WorkOrderCall.call_id, WorkOrderCall.order_id)
            .where(WorkOrderCall.tenant_id == self.tenant_id, WorkOrderCall.call_id.in_(list(set(call_ids))))
            .order_by(WorkOrderCall.id.desc())
        )
        return {str(call_id): str(order_id) for call_id, order_id in rows}  # the first link wins

    # ---- writing ----------------------------------------------------------------------------------

    async def add(
        self, orders: Sequence[WorkOrder], parent_id: str | None = None, *, call_links: bool = False
    ) -> None:
        """The rows in one flush (their entries refer to them; the session does not know that
        without relationships), then their entries and links in the next."""
        rows = [new_row(order, parent_id) for order in orders]
        for row in rows:
            if row.tenant_id != self.tenant_id:
                raise ValueError(f"order of tenant {row.tenant_id!r}, not {self.tenant_id!r}")
        self.session.add_all(rows)
        await self.session.flush()
        for row, order in zip(rows, orders, strict=True):
            self._seen[order.id] = _Seen(row)
            self._stage(order, {})
            if order.call_id and call_links:
                self.session.add(
                    WorkOrderCall(
                        tenant_id=self.tenant_id,
                        order_id=order.id,
                        call_id=order.call_id,
                        linked_at=as_datetime(order.created_at),
                    )
                )
        await self.session.flush()
        for order in orders:
            if order.call_id and not call_links:
                await self.link_call(order.id, order.call_id, order.created_at)

    async def save(self, orders: Sequence[WorkOrder], files: Mapping[str, FileMeta] | None = None) -> None:
        changed_fields = [order.id for order in orders if self._custom_changed(order)]
        if changed_fields:
            await self.session.execute(
                delete(WorkOrderFieldRow).where(WorkOrderFieldRow.order_id.in_(changed_fields))
            )
        for order in orders:
            self._stage(order, files or {}, fields=order.id in changed_fields)
        await self.session.flush()  # (many orders: one statement per table and shape, not per order)

    def _custom_changed(self, order: WorkOrder) -> bool:
        seen = self._seen[order.id]
        write_values(seen.row, order.values)
        return seen.row.custom != seen.custom

    def _stage(self, order: WorkOrder, files: Mapping[str, FileMeta], *, fields: bool = True) -> None:
        """Stage the row's new columns and the entries appended since the last save."""
        seen = self._seen.get(order.id)
        if seen is None:
            raise ValueError(f"work order {order.id!r} was not loaded from this repository")
        row, tenant = seen.row, self.tenant_id
        write_values(row, order.values)
        write_flow(row, order)
        for entry in order.timeline[seen.timeline :]:
            self.session.add(
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
        for comment in order.comments[seen.comments :]:
            self.session.add(
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
            if attachment.id not in seen.attachments:
                self.session.add(_attachment_row(tenant, order.id, attachment, files[attachment.id]))
        if fields and row.custom != seen.custom:
            for key, value in row.custom.items():
                if value is not None and value != "":
                    self.session.add(
                        WorkOrderFieldRow(
                            tenant_id=tenant, order_id=order.id, key=key, value=field_text(value)
                        )
                    )
        seen.timeline, seen.comments = len(order.timeline), len(order.comments)
        seen.attachments = {a.id for a in order.attachments}
        seen.custom = dict(row.custom)

    # ---- small reads ------------------------------------------------------------------------------

    async def attachment(self, order_id: str, attachment_id: str) -> tuple[Attachment, FileMeta] | None:
        row = await self.session.get(WorkOrderAttachmentRow, attachment_id)
        if row is None or row.order_id != order_id or row.tenant_id != self.tenant_id:
            return None
        return (
            Attachment(row.id, row.name, row.content_type, row.size, row.storage_key),
            FileMeta(row.sha256, row.uploaded_by, row.at.timestamp()),
        )

    async def holders(self, order_ids: Collection[str]) -> dict[str, Holders]:
        if not order_ids:
            return {}
        rows = await self.session.execute(
            select(
                WorkOrderRow.id,
                WorkOrderRow.first_owner_id,
                WorkOrderRow.assignee_kind,
                WorkOrderRow.assignee_id,
            ).where(WorkOrderRow.tenant_id == self.tenant_id, WorkOrderRow.id.in_(list(order_ids)))
        )
        return {order_id: Holders(owner, kind, assignee) for order_id, owner, kind, assignee in rows.all()}


def _attachment_row(
    tenant_id: str, order_id: str, attachment: Attachment, meta: FileMeta
) -> WorkOrderAttachmentRow:
    return WorkOrderAttachmentRow(
        tenant_id=tenant_id,
        id=attachment.id,
        order_id=order_id,
        name=attachment.name,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=meta.sha256,
        storage_key=attachment.storage_key,
        uploaded_by=meta.uploaded_by,
        at=as_datetime(meta.at),
    )
