"""Floor discipline as plain records (NORMS §5): an agent's request to leave the seat and its
course, a message from the leader, a norm alert as stored.

A break request goes pending -> approved | refused | cancelled; an approved break is started
by the agent and ends when the agent is no longer not ready. The transitions are methods of
the record, so the rules hold wherever it is changed; time comes in as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.floor.norms import BreakView, NormPolicy

OPEN_BREAKS = ("pending", "approved", "started")
"""An agent has at most one request in these states at a time."""
MAX_NOTE = 200
MAX_MESSAGE = 500


def checked_note(note: str) -> str:
    """The note of a request or a decision, trimmed; too long is ``note_too_long``."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise Invalid("note_too_long", f"the note is at most {MAX_NOTE} characters", field="note")
    return note


def check_minutes(policy: NormPolicy, reason: str, minutes: int) -> None:
    """NORMS §5: one absence at most 5 minutes, scheduled meals and breaks longer."""
    longest = policy.max_minutes(reason)
    if not 1 <= minutes <= longest:
        raise Invalid(
            "minutes_out_of_range",
            f"a {reason} break is 1 to {longest} minutes (NORMS §5)",
            field="minutes",
            max=longest,
        )


def checked_body(body: str) -> str:
    """A message's text, trimmed: not empty, not longer than ``MAX_MESSAGE``."""
    body = body.strip()
    if not body:
        raise Invalid("message_empty", "write a message first", field="body")
    if len(body) > MAX_MESSAGE:
        raise Invalid("message_too_long", f"a message is at most {MAX_MESSAGE} characters", field="body")
    return body


@dataclass
class BreakRequest:
    """``id`` is 0 until stored."""

    id: int
    tenant_id: str
    agent_id: str
    reason: str
    minutes: int
    requested_at: datetime
    note: str = ""
    status: str = "pending"
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_note: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None

    def decide(self, approve: bool, by: str, note: str, at: datetime) -> None:
        """The leader's answer to a pending request."""
        if self.status != "pending":
            raise InvalidTransition(
                "break_not_pending", f"the request is already {self.status}", status=self.status
            )
        self.status = "approved" if approve else "refused"
        self.decided_at, self.decided_by, self.decision_note = at, by, note

    def cancel(self) -> None:
        """The agent withdraws a request not yet started."""
        if self.status not in ("pending", "approved"):
            raise InvalidTransition(
                "break_not_open", f"the request is already {self.status}", status=self.status
            )
        self.status = "cancelled"

    def check_startable(self) -> None:
        """Only an approved break starts (asked before the agent is taken off the floor)."""
        if self.status != "approved":
            raise InvalidTransition(
                "break_not_approved", "only an approved break can start", status=self.status
            )

    def start(self, at: datetime) -> None:
        """The agent leaves on the approved break, counted from ``at``."""
        self.check_startable()
        self.status, self.started_at = "started", at

    def end(self, at: datetime) -> bool:
        """The agent is back; False when the break was not running (nothing changes)."""
        if self.status != "started":
            return False
        self.status, self.ended_at = "ended", at
        return True

    def view(self) -> BreakView:
        """A started break as the norm rules count it: the absence may last ``minutes``."""
        started = self.started_at.timestamp() if self.started_at is not None else 0.0
        return BreakView(self.agent_id, self.minutes, started, self.reason)


@dataclass
class AgentMessage:
    """One recipient's copy of a message; the copies of one sending share ``batch_id``."""

    id: int
    tenant_id: str
    from_user_id: str
    to_user_id: str | None
    batch_id: str
    to_all: bool
    body: str
    created_at: datetime
    read_at: datetime | None = None


@dataclass
class StoredAlert:
    """A norm alert as kept for the leaders to list and acknowledge (the event that announced
    it is :class:`helpline.domain.floor.events.NormAlert`)."""

    id: int
    tenant_id: str
    kind: str
    raised_at: datetime
    agent_id: str | None = None
    call_id: str | None = None
    order_ref: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    def acknowledge(self, by: str, at: datetime) -> None:
        """The first acknowledgement counts; a second one changes nothing."""
        if self.acknowledged_at is None:
            self.acknowledged_at, self.acknowledged_by = at, by
