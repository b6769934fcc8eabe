"""Tables of the ACD: skills, agent profiles, queues, the agent state log and call records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.base import Base, TenantScoped, UTCDateTime, utcnow


class Skill(TenantScoped, Base):
    """A named skill (language, product, VIP handling) agents hold at a level of 1-10."""

    __tablename__ = "skills"

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(1000), default="")


class AgentProfile(TenantScoped, Base):
    """The ACD side of a user: extension, skills and queue memberships (queue id -> penalty)."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    extension: Mapped[str] = mapped_column(String(32), default="")
    skills: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    queues: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    work_mode: Mapped[str] = mapped_column(String(16), default="auto_in")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QueueRow(TenantScoped, Base):
    """A queue's configuration; the live queue is rebuilt from it when the platform starts."""

    __tablename__ = "queues"

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    strategy: Mapped[str] = mapped_column(String(32), default="longest_idle")
    required_skills: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    sl_target: Mapped[float] = mapped_column(Float, default=0.8)
    sl_seconds: Mapped[float] = mapped_column(Float, default=20.0)
    max_length: Mapped[int | None] = mapped_column(Integer, default=None)
    max_wait: Mapped[float | None] = mapped_column(Float, default=None)
    exit_action: Mapped[str] = mapped_column(String(16), default="voicemail")
    exit_queue_id: Mapped[str | None] = mapped_column(String(64), default=None)
    ring_timeout: Mapped[float] = mapped_column(Float, default=15.0)
    wrapup_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    after_wrapup: Mapped[str] = mapped_column(String(16), default="ready")
    aging_per_minute: Mapped[float] = mapped_column(Float, default=1.0)
    weight: Mapped[int] = mapped_column(Integer, default=0)
    overflow: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AgentStateLog(TenantScoped, Base):
    """One row per agent state change: the state left, how long it lasted, and why."""

    __tablename__ = "agent_state_log"
    __table_args__ = (Index("ix_agent_state_log_agent_at", "tenant_id", "agent_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    old_state: Mapped[str] = mapped_column(String(16))
    new_state: Mapped[str] = mapped_column(String(16))
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    call_id: Mapped[str | None] = mapped_column(String(64), default=None)
    by: Mapped[str | None] = mapped_column(String(36), default=None)


class CallRecord(TenantScoped, Base):
    """The call detail record (CDR): one row per call, updated as the call goes on."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_tenant_arrived", "tenant_id", "arrived_at"),
        Index("ix_calls_tenant_caller_arrived", "tenant_id", "caller_key", "arrived_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    caller: Mapped[str] = mapped_column(String(64), default="")
    caller_key: Mapped[str | None] = mapped_column(String(64), default=None)
    callee: Mapped[str] = mapped_column(String(64), default="")
    queue_id: Mapped[str | None] = mapped_column(String(64), default=None)
    agent_id: Mapped[str | None] = mapped_column(String(36), default=None)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    wait_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    talk_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    hold_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    wrapup_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    outcome: Mapped[str] = mapped_column(String(16), default="active")
    ended_by: Mapped[str | None] = mapped_column(String(16), default=None)
    satisfaction: Mapped[int | None] = mapped_column(Integer, default=None)


class CallEventRow(TenantScoped, Base):
    """Every segment of a call (queued, offered, answered, held, transferred, ...), in order."""

    __tablename__ = "call_events"
    __table_args__ = (Index("ix_call_events_call", "tenant_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    type: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(36), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
