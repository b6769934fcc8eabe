"""The ACD's stored configuration and history, as plain records: a queue's settings, an
agent's profile, a skill, a callback request, a call's detail record.

They are what storage keeps, in storage's shapes (a strategy as its text, overflow steps as
dicts), so the API can answer with them as they are; the live core works on
:class:`~helpline.domain.acd.queue.QueueConfig` and :class:`~helpline.domain.acd.agent.Agent`,
made from them by the use cases in ``helpline.app.acd``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class QueueRecord:
    """A queue's configuration as stored (the fields of ``QueueConfig``, but ``tenant_id``)."""

    id: str
    name: str = ""
    strategy: str = "longest_idle"
    required_skills: dict[str, int] = field(default_factory=dict)
    sl_target: float = 0.8
    sl_seconds: float = 20.0
    max_length: int | None = None
    max_wait: float | None = None
    exit_action: str = "voicemail"
    exit_queue_id: str | None = None
    ring_timeout: float = 15.0
    wrapup_seconds: float = 0.0
    after_wrapup: str = "ready"
    aging_per_minute: float = 1.0
    weight: int = 0
    overflow: list[dict[str, Any]] = field(default_factory=list)


QUEUE_FIELDS = (
    "name",
    "strategy",
    "required_skills",
    "sl_target",
    "sl_seconds",
    "max_length",
    "max_wait",
    "exit_action",
    "exit_queue_id",
    "ring_timeout",
    "wrapup_seconds",
    "after_wrapup",
    "aging_per_minute",
    "weight",
    "overflow",
)
"""The fields of a queue an administrator sets (all but its id)."""


@dataclass
class AgentProfile:
    """The ACD side of a user (same id): extension, skills (1-10) and queues (id -> penalty)."""

    id: str
    extension: str = ""
    skills: dict[str, int] = field(default_factory=dict)
    queues: dict[str, int] = field(default_factory=dict)
    work_mode: str = "auto_in"


@dataclass
class Skill:
    id: str
    name: str = ""
    description: str = ""


@dataclass
class CallbackRequest:
    """A caller asked to be called back (IVR or queue); open until an agent marks it done."""

    id: str
    call_id: str
    number: str
    queue_id: str | None = None
    source: str = "ivr"  # ivr | queue
    status: str = "open"  # open | done
    requested_at: datetime | None = None  # filled in when stored
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallDetail:
    """A call's detail record (CDR) as the recorder keeps it."""

    id: str
    direction: str
    caller: str
    callee: str
    queue_id: str | None
    agent_id: str | None
    arrived_at: datetime
    queued_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    hold_seconds: float | None = None
    wrapup_seconds: float | None = None
    outcome: str = "active"
    ended_by: str | None = None
    satisfaction: int | None = None


@dataclass
class CallSegment:
    """One step of a call (queued, offered, answered, held...), in the order it happened."""

    type: str
    at: datetime
    agent_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
