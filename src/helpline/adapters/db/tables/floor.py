"""Tables of floor discipline (NORMS §5): messages from the leader to agents, agents' requests
to leave the seat with the leader's decision, and the norm alerts raised on the floor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.base import Base, TenantScoped, UTCDateTime, utcnow


class AgentMessage(TenantScoped, Base):
    """A message from a leader to one agent: one row per recipient, so that each is read on
    its own; the rows of one sending (to one agent, or to all) share ``batch_id``."""

    __tablename__ = "agent_messages"
    __table_args__ = (Index("ix_agent_messages_to", "tenant_id", "to_user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    from_user_id: Mapped[str] = mapped_column(String(36))
    to_user_id: Mapped[str | None] = mapped_column(String(36), default=None)
    batch_id: Mapped[str] = mapped_column(String(36), default="")
    to_all: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class BreakRequest(TenantScoped, Base):
    """An agent's request to leave the seat; the leader approves or refuses it.

    ``status``: pending | approved | refused | cancelled | started | ended. ``minutes`` is
    what was asked (NORMS: one absence at most 5 minutes, except scheduled meals/breaks).
    """

    __tablename__ = "break_requests"
    __table_args__ = (Index("ix_break_requests_status", "tenant_id", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[int] = mapped_column(Integer, default=5)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(36), default=None)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NormAlert(TenantScoped, Base):
    """A service norm broken on the floor, as it happened: ``kind`` is one of long_ring,
    long_hold, long_absence, order_not_completed, callback_due (and others later)."""

    __tablename__ = "norm_alerts"
    __table_args__ = (Index("ix_norm_alerts_at", "tenant_id", "raised_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(36), default=None)
    call_id: Mapped[str | None] = mapped_column(String(64), default=None)
    order_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(36), default=None)
