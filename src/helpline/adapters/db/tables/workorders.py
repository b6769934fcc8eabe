"""Tables of work orders (工单): the orders with their timeline, comments, attachments and
calls; handling units and their members; the duty roster; reason codes and custom field
definitions; the per-day number counters; and the SLA clocks with the events they raised.

The content fields of an order (the title parts, 5W1H body, category, ...) are columns, so
that lists and reports can filter and sort on them; custom fields live in ``custom`` (JSON)
and, flattened to text, in ``work_order_fields`` where equality search can use an index on
both backends. The domain object is rebuilt from these rows for every change
(:mod:`helpline.app.workorders.store`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.base import Base, TenantScoped, UTCDateTime, utcnow


class WorkOrderRow(TenantScoped, Base):
    """One work order. ``first_owner_id`` is the 首问 owner; ``assignee_*`` moves on transfer."""

    __tablename__ = "work_orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_work_orders_tenant_state", "tenant_id", "state"),
        Index("ix_work_orders_tenant_created", "tenant_id", "created_at"),
        Index("ix_work_orders_tenant_caller_created", "tenant_id", "caller_key", "created_at"),
        Index("ix_work_orders_tenant_customer_created", "tenant_id", "customer_id", "created_at"),
        Index("ix_work_orders_tenant_owner", "tenant_id", "first_owner_id"),
        Index("ix_work_orders_tenant_assignee", "tenant_id", "assignee_id"),
        Index("ix_work_orders_tenant_call", "tenant_id", "call_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    call_id: Mapped[str | None] = mapped_column(String(64), default=None)
    call_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # content (NORMS §4.2-4.5): title = location + summary; body = 5W1H
    category: Mapped[str | None] = mapped_column(String(16), default=None)
    reason_code: Mapped[str | None] = mapped_column(String(64), default=None)
    priority: Mapped[int] = mapped_column(Integer, default=2)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    complex_case: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    event_time: Mapped[str | None] = mapped_column(Text, default=None)
    place: Mapped[str | None] = mapped_column(Text, default=None)
    course: Mapped[str | None] = mapped_column(Text, default=None)
    request: Mapped[str | None] = mapped_column(Text, default=None)
    who: Mapped[str | None] = mapped_column(Text, default=None)
    why: Mapped[str | None] = mapped_column(Text, default=None)
    how: Mapped[str | None] = mapped_column(Text, default=None)
    caller_name: Mapped[str | None] = mapped_column(Text, default=None)
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    three_way_party: Mapped[str | None] = mapped_column(Text, default=None)
    answer_mode: Mapped[str | None] = mapped_column(String(16), default=None)
    basis: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, default=None)
    unit_id: Mapped[str | None] = mapped_column(String(64), default=None)
    caller_number: Mapped[str | None] = mapped_column(String(64), default=None)
    caller_key: Mapped[str | None] = mapped_column(String(64), default=None)
    customer_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("customers.id", ondelete="SET NULL"), default=None
    )
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the flow
    first_owner_id: Mapped[str | None] = mapped_column(String(36), default=None)
    assignee_kind: Mapped[str | None] = mapped_column(String(8), default=None)
    assignee_id: Mapped[str | None] = mapped_column(String(64), default=None)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[int | None] = mapped_column(Integer, default=None)
    merged_into: Mapped[str | None] = mapped_column(String(36), default=None)
    duplicate_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    parent_id: Mapped[str | None] = mapped_column(String(36), default=None)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


def _order_fk() -> ForeignKey:
    return ForeignKey("work_orders.id", ondelete="CASCADE")


class WorkOrderCall(TenantScoped, Base):
    """A call an order is about (every call makes an order; a merged duplicate keeps its call)."""

    __tablename__ = "work_order_calls"
    __table_args__ = (
        UniqueConstraint("tenant_id", "order_id", "call_id"),
        Index("ix_work_order_calls_call", "tenant_id", "call_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(36), _order_fk())
    call_id: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkOrderTimelineRow(TenantScoped, Base):
    """One entry of the order's timeline: who did what, when (``seq`` is the domain's)."""

    __tablename__ = "work_order_timeline"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(36), _order_fk())
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(36))
    actor_role: Mapped[str] = mapped_column(String(16))
    old_state: Mapped[str] = mapped_column(String(16))
    new_state: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WorkOrderCommentRow(TenantScoped, Base):
    __tablename__ = "work_order_comments"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(36), _order_fk())
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author_id: Mapped[str] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(Text)


class WorkOrderAttachmentRow(TenantScoped, Base):
    """An attachment's metadata; the bytes are a file under ``<data_dir>/attachments/``."""

    __tablename__ = "work_order_attachments"
    __table_args__ = (Index("ix_work_order_attachments_order", "tenant_id", "order_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), _order_fk())
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkOrderFieldRow(TenantScoped, Base):
    """A custom field value as text, so that "field = value" searches use an index everywhere."""

    __tablename__ = "work_order_fields"
    __table_args__ = (
        UniqueConstraint("order_id", "key"),
        Index("ix_work_order_fields_value", "tenant_id", "key", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(36), _order_fk())
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(500))


class OrderCounter(TenantScoped, Base):
    """The last order number issued per tenant and local day (incremented under a row lock)."""

    __tablename__ = "work_order_counters"

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


# ---- configuration ---------------------------------------------------------------------------


class UnitRow(TenantScoped, Base):
    """A handling unit (承办单位 / department): its head, business hours and deadline."""

    __tablename__ = "units"

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    head_user_id: Mapped[str | None] = mapped_column(String(36), default=None)
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    deadline_hours: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UnitMember(TenantScoped, Base):
    """A user who handles a unit's orders (承办人). One unit per user."""

    __tablename__ = "unit_members"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(64))


class DutyShiftRow(TenantScoped, Base):
    """One shift of the duty roster (值班表): recurring on weekdays, or on one date."""

    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    leader_id: Mapped[str] = mapped_column(String(36))
    hours: Mapped[str] = mapped_column(String(16))
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    day: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReasonCodeRow(TenantScoped, Base):
    """A node of the tenant's reason-code tree (来电原因)."""

    __tablename__ = "reason_codes"

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    parent: Mapped[str | None] = mapped_column(String(64), default=None)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CustomFieldRow(TenantScoped, Base):
    """A custom field definition (see :class:`helpline.domain.workorders.content.FieldDef`)."""

    __tablename__ = "work_order_field_defs"

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    type: Mapped[str] = mapped_column(String(16), default="text")
    required_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    tree: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    minimum: Mapped[float | None] = mapped_column(Float, default=None)
    maximum: Mapped[float | None] = mapped_column(Float, default=None)
    max_length: Mapped[int] = mapped_column(Integer, default=500)
    leaf_only: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


# ---- SLA -----------------------------------------------------------------------------------


class SlaClockRow(TenantScoped, Base):
    """A clock's persisted state (``SlaClock.as_dict()``), so the board survives a restart;
    a few columns are copied out of ``data`` for the overdue lists."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        Index("ix_sla_clocks_tenant_state", "tenant_id", "state"),
        Index("ix_sla_clocks_tenant_order", "tenant_id", "order_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    order_id: Mapped[str | None] = mapped_column(String(36), default=None)
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[str | None] = mapped_column(String(64), default=None)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class SlaEventRow(TenantScoped, Base):
    """Every SLA event (started, warning, breached, met, ...), kept for reports."""

    __tablename__ = "sla_events"
    __table_args__ = (
        Index("ix_sla_events_tenant_at", "tenant_id", "at"),
        Index("ix_sla_events_tenant_order", "tenant_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    type: Mapped[str] = mapped_column(String(24))
    clock_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(24))
    order_id: Mapped[str | None] = mapped_column(String(36), default=None)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
