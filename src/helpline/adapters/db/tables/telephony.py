"""Tables of the telephony side: SIP accounts of agents' phones, recordings (calls and
voicemail) linked to call records, IVR flows per tenant, and callback requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.base import Base, TenantScoped, UTCDateTime, utcnow


def _id() -> str:
    return str(uuid.uuid4())


class SipAccount(TenantScoped, Base):
    """The SIP credentials of a user's desk phone or softphone.

    The password is kept as given: SIP digest authentication (RFC 2617) needs it (or its
    HA1, which is just as good to an attacker) to check a phone's answer. It is never
    returned by the API. ``username`` is what the phone registers as; it is unique across
    the platform because all tenants share one registrar.
    """

    __tablename__ = "sip_accounts"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password: Mapped[str] = mapped_column(String(128))
    # an outside number the switch rings (through the trunk) instead of a registered phone
    forward_to: Mapped[str | None] = mapped_column(String(32), nullable=True, default=None)
    # a headset agent: offered calls ask the phone to pick up by itself (Call-Info answer-after=0)
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CallRecording(TenantScoped, Base):
    """A WAV file that belongs to a call: the call's recording, or a voicemail left in the IVR."""

    __tablename__ = "call_recordings"
    __table_args__ = (Index("ix_call_recordings_call", "tenant_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="call")  # call | voicemail
    path: Mapped[str] = mapped_column(String(1000))
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IvrFlowRow(TenantScoped, Base):
    """An IVR flow as data (validated by ``helpline.domain.ivr.flow`` before it is saved)."""

    __tablename__ = "ivr_flows"

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    numbers: Mapped[list[str]] = mapped_column(JSON, default=list)  # the numbers it answers
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # start + nodes
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CallbackRequest(TenantScoped, Base):
    """A caller asked to be called back (from the IVR, or instead of waiting in the queue)."""

    __tablename__ = "callback_requests"
    __table_args__ = (Index("ix_callback_requests_status", "tenant_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    call_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    queue_id: Mapped[str | None] = mapped_column(String(64), default=None)
    source: Mapped[str] = mapped_column(String(16), default="ivr")  # ivr | queue
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Call quality: one row per leg of a finished SIP call, from its RTP and RTCP statistics.


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
