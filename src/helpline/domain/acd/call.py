"""A call's lifecycle as the ACD sees it, with the time of every segment (for the CDR)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CallState(StrEnum):
    ARRIVED = "arrived"  # in the IVR, not yet queued
    QUEUED = "queued"
    OFFERED = "offered"  # ringing at one or more agents
    DIALING = "dialing"  # outbound: the far end is ringing
    TALKING = "talking"
    ON_HOLD = "on_hold"
    ENDED = "ended"
    ABANDONED = "abandoned"
    EXITED = "exited"  # left the queue for voicemail/callback/hang-up


FINAL = frozenset({CallState.ENDED, CallState.ABANDONED, CallState.EXITED})
WAITING = frozenset({CallState.QUEUED, CallState.OFFERED})


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class Call:
    """One customer call. Plain object: the center mutates it and emits the events."""

    __slots__ = (
        "agent_id",
        "answered_at",
        "arrived_at",
        "callee",
        "caller",
        "data",
        "direction",
        "effective_skills",
        "ended_at",
        "enqueued_at",
        "entered_queue_at",
        "held_since",
        "held_total",
        "id",
        "max_penalty",
        "offered_at",
        "offered_to",
        "overflow_step",
        "priority",
        "queue_id",
        "required_skills",
        "seq",
        "state",
        "tenant_id",
    )

    def __init__(
        self,
        call_id: str,
        tenant_id: str = "default",
        *,
        caller: str = "",
        callee: str = "",
        direction: Direction = Direction.INBOUND,
        priority: int = 0,
        required_skills: dict[str, int] | None = None,
        arrived_at: float = 0.0,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.id = call_id
        self.tenant_id = tenant_id
        self.caller = caller
        self.callee = callee
        self.direction = direction
        self.priority = priority
        # skills the caller's IVR choices added on top of the queue's own requirement
        self.required_skills: dict[str, int] = dict(required_skills or {})
        self.arrived_at = arrived_at
        self.data: dict[str, Any] = dict(data or {})
        self.state = CallState.ARRIVED
        self.queue_id: str | None = None
        self.enqueued_at = arrived_at
        self.entered_queue_at = arrived_at  # when the call entered its current queue (max wait)
        self.seq = 0  # arrival order within the queue: first come first served on ties
        self.max_penalty = 0
        # what routing checks: the queue's skills plus the caller's, less what overflow dropped
        self.effective_skills: dict[str, int] = dict(self.required_skills)
        self.overflow_step = 0
        self.offered_to: set[str] = set()
        self.offered_at = 0.0
        self.agent_id: str | None = None
        self.answered_at: float | None = None
        self.held_since: float | None = None
        self.held_total = 0.0
        self.ended_at: float | None = None

    def __repr__(self) -> str:
        return f"Call({self.id!r}, {self.state.value}, queue={self.queue_id!r})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    def waited(self, now: float) -> float:
        """Seconds since the call first entered a queue (until answered, if it was)."""
        end = self.answered_at if self.answered_at is not None else now
        return max(0.0, end - self.enqueued_at)

    def talk_time(self, now: float) -> float:
        if self.answered_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else now
        return max(0.0, end - self.answered_at)

    def snapshot(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state.value,
            "direction": self.direction.value,
            "caller": self.caller,
            "callee": self.callee,
            "queue_id": self.queue_id,
            "priority": self.priority,
            "agent_id": self.agent_id,
            "offered_to": sorted(self.offered_to),
            "arrived_at": self.arrived_at,
            "answered_at": self.answered_at,
            "waited": round(self.waited(now), 3),
            "held_since": self.held_since,
            "data": self.data,
        }
