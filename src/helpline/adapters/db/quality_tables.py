"""Call quality: one row per leg of a finished SIP call, from its RTP and RTCP statistics
(what we received, and what the far end reported about what we sent)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.base import Base, TenantScoped, UTCDateTime, utcnow


class CallLegQuality(TenantScoped, Base):
    """The media figures of one leg (the caller's, an agent's or a supervisor's phone)."""

    __tablename__ = "call_leg_quality"
    __table_args__ = (Index("ix_call_leg_quality_call", "tenant_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64))
    leg: Mapped[str] = mapped_column(String(64))  # "caller", or the agent / supervisor id
    role: Mapped[str] = mapped_column(String(16))  # caller | agent | supervisor | consult
    codec: Mapped[str] = mapped_column(String(8), default="")
    packets_sent: Mapped[int] = mapped_column(Integer, default=0)
    octets_sent: Mapped[int] = mapped_column(Integer, default=0)
    packets_received: Mapped[int] = mapped_column(Integer, default=0)
    octets_received: Mapped[int] = mapped_column(Integer, default=0)
    packets_lost: Mapped[int] = mapped_column(Integer, default=0)
    jitter_ms: Mapped[float] = mapped_column(Float, default=0.0)
    rtcp_sent: Mapped[int] = mapped_column(Integer, default=0)
    rtcp_received: Mapped[int] = mapped_column(Integer, default=0)
    # from the far end's RTCP reports (None: it sent none, as many trunks and sipp do not)
    remote_fraction_lost: Mapped[float | None] = mapped_column(Float, nullable=True)
    remote_packets_lost: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_jitter_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    rtt_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
