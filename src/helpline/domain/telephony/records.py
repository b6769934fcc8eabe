"""The telephony side of a call and of a user, as plain records: the SIP account a phone
registers with, the WAV files a call left, and the media figures of each leg.

They carry no behaviour: ``helpline.app.telephony`` decides who may change or hear what,
and storage maps them to rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

QUALITY_FIGURES = (
    "codec",
    "packets_sent",
    "octets_sent",
    "packets_received",
    "octets_received",
    "packets_lost",
    "jitter_ms",
    "rtcp_sent",
    "rtcp_received",
    "remote_fraction_lost",
    "remote_packets_lost",
    "remote_jitter_ms",
    "rtt_ms",
)
"""The figures of a leg, in the order the API lists them after ``leg`` and ``role``."""


@dataclass
class SipAccount:
    """The credentials of a user's desk phone or softphone. ``username`` is unique on the
    platform (one registrar serves every tenant); the password is kept as given because SIP
    digest authentication needs it."""

    tenant_id: str
    user_id: str
    username: str
    password: str
    forward_to: str | None = None  # an outside number rung instead of the phone
    auto_answer: bool = False  # offered calls ask the phone to pick up by itself


@dataclass(frozen=True)
class Recording:
    """A WAV file that belongs to a call: its recording (``call``, or ``stereo``, ``caller``,
    ``agent`` where both directions are kept apart), or a ``voicemail`` left in the IVR.
    ``id`` and ``created_at`` are given by storage."""

    call_id: str
    kind: str
    path: str
    seconds: float
    id: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True)
class LegQuality:
    """The media figures of one leg of a finished call (the caller's, an agent's or a
    supervisor's phone): what RTP we sent and received, and what the far end's RTCP said
    (``None`` when it sent no report, as many trunks do not)."""

    leg: str  # "caller", or the agent / supervisor id
    role: str  # caller | agent | supervisor | consult
    codec: str = ""
    packets_sent: int = 0
    octets_sent: int = 0
    packets_received: int = 0
    octets_received: int = 0
    packets_lost: int = 0
    jitter_ms: float = 0.0
    rtcp_sent: int = 0
    rtcp_received: int = 0
    remote_fraction_lost: float | None = None
    remote_packets_lost: int | None = None
    remote_jitter_ms: float | None = None
    rtt_ms: float | None = None


@dataclass(frozen=True)
class CallParties:
    """Who took part in a call, as far as the right to hear it goes: the agent on its call
    record. The agents of its segments are read apart, only when needed."""

    call_id: str
    agent_id: str | None
