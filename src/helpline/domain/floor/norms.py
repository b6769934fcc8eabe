"""Norm alerts on the floor (NORMS §3.1, §3.2, §5): which service norms are being broken now.

The rules read a :class:`FloorSnapshot` (agents, calls, started breaks) and a time; they do
no I/O and read no clock. :class:`NormWatch` remembers which occurrences it has raised, so
each occurrence (one ringing offer, one hold, one absence) alerts once, however often it is
checked; an occurrence is identified by what started it (the offer, hold or state change),
so the next hold of the same call alerts again. :meth:`NormWatch.next_due` tells the
driver when to check next.

Order clocks (15-minute completion, callbacks) are not here: the SLA board
(:mod:`helpline.domain.workorders.sla`) already times them, and the app turns their breaches into
alerts of kind ``order_not_completed`` and ``callback_due``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from helpline.domain.errors import Invalid

LONG_RING, LONG_HOLD, LONG_ABSENCE = "long_ring", "long_hold", "long_absence"
ORDER_NOT_COMPLETED, CALLBACK_DUE = "order_not_completed", "callback_due"
KINDS = (LONG_RING, LONG_HOLD, LONG_ABSENCE, ORDER_NOT_COMPLETED, CALLBACK_DUE)


@dataclass(frozen=True, slots=True)
class NormPolicy:
    """The tenant's limits; defaults are NORMS: answer within 2 rings (a ring taken as 3 s),
    one hold at most 30 s, one absence at most 5 min except scheduled meals and breaks."""

    ring_seconds: float = 3.0
    max_rings: int = 2
    hold_limit: float = 30.0
    absence_limit: float = 300.0
    scheduled_reasons: frozenset[str] = frozenset({"meal", "break"})
    max_break_minutes: int = 60  # what an approved scheduled break may ask for

    def __post_init__(self) -> None:
        for name in ("ring_seconds", "hold_limit", "absence_limit"):
            if not getattr(self, name) > 0:
                raise Invalid("invalid_norm", f"{name} must be positive", field=name)
        if self.max_rings < 1 or self.max_break_minutes < 1:
            raise Invalid("invalid_norm", "max_rings and max_break_minutes are at least 1", field="max_rings")

    @property
    def ring_limit(self) -> float:
        return self.ring_seconds * self.max_rings

    @property
    def absence_minutes(self) -> int:
        """The longest unscheduled absence that may be asked for, in whole minutes."""
        return max(1, int(self.absence_limit // 60))

    def max_minutes(self, reason: str) -> int:
        return self.max_break_minutes if reason in self.scheduled_reasons else self.absence_minutes

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> NormPolicy:
        """From ``tenants.settings["floor"]``; anything missing takes the NORMS default."""
        known = {
            "ring_seconds",
            "max_rings",
            "hold_limit",
            "absence_limit",
            "scheduled_reasons",
            "max_break_minutes",
        }
        unknown = set(settings) - known
        if unknown:
            raise Invalid(
                "unknown_setting",
                f"unknown floor settings: {', '.join(sorted(unknown))}",
                field=sorted(unknown)[0],
            )
        values: dict[str, Any] = {}
        try:
            for name in ("ring_seconds", "hold_limit", "absence_limit"):
                if name in settings:
                    values[name] = float(settings[name])
            for name in ("max_rings", "max_break_minutes"):
                if name in settings:
                    values[name] = int(settings[name])
        except (TypeError, ValueError) as exc:
            raise Invalid("invalid_norm", f"floor settings must be numbers: {exc}", field="settings") from exc
        if "scheduled_reasons" in settings:
            reasons = settings["scheduled_reasons"]
            if not isinstance(reasons, list | tuple) or not all(isinstance(r, str) for r in reasons):
                raise Invalid(
                    "invalid_norm", "scheduled_reasons is a list of reason codes", field="scheduled_reasons"
                )
            values["scheduled_reasons"] = frozenset(reasons)
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ring_seconds": self.ring_seconds,
            "max_rings": self.max_rings,
            "hold_limit": self.hold_limit,
            "absence_limit": self.absence_limit,
            "scheduled_reasons": sorted(self.scheduled_reasons),
            "max_break_minutes": self.max_break_minutes,
        }


# ---- what the rules read --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentView:
    id: str
    state: str
    since: float
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CallView:
    id: str
    state: str
    agent_id: str | None = None
    offered_to: tuple[str, ...] = ()
    offered_at: float = 0.0
    held_since: float | None = None


@dataclass(frozen=True, slots=True)
class BreakView:
    """An approved break the agent has started: the absence may last ``minutes``."""

    agent_id: str
    minutes: int
    started_at: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FloorSnapshot:
    agents: tuple[AgentView, ...] = ()
    calls: tuple[CallView, ...] = ()
    breaks: tuple[BreakView, ...] = ()


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One norm being broken: ``due`` is when it became (or becomes) an alert."""

    key: str
    kind: str
    due: float
    agent_id: str | None = None
    call_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


# ---- the rules ------------------------------------------------------------------------------


def occurrences(snapshot: FloorSnapshot, policy: NormPolicy) -> list[Occurrence]:
    """Every norm that is being, or will be, broken if nothing changes: each with its due time."""
    out: list[Occurrence] = []
    for call in snapshot.calls:
        if call.state == "offered":
            for agent_id in call.offered_to:
                out.append(
                    Occurrence(
                        f"{LONG_RING}:{call.id}:{agent_id}:{call.offered_at:.3f}",
                        LONG_RING,
                        call.offered_at + policy.ring_limit,
                        agent_id,
                        call.id,
                        {"limit": policy.ring_limit, "rings": policy.max_rings, "since": call.offered_at},
                    )
                )
        if call.held_since is not None and call.state == "on_hold":
            out.append(
                Occurrence(
                    f"{LONG_HOLD}:{call.id}:{call.held_since:.3f}",
                    LONG_HOLD,
                    call.held_since + policy.hold_limit,
                    call.agent_id,
                    call.id,
                    {"limit": policy.hold_limit, "since": call.held_since},
                )
            )
    breaks = {b.agent_id: b for b in snapshot.breaks}
    for agent in snapshot.agents:
        if agent.state != "not_ready":
            continue
        approved = breaks.get(agent.id)
        if approved is not None:  # counted against the minutes the leader approved
            limit, start = approved.minutes * 60.0, agent.since
        elif agent.reason in policy.scheduled_reasons:
            continue  # a meal by the schedule is not an absence
        else:
            limit, start = policy.absence_limit, agent.since
        detail: dict[str, Any] = {
            "limit": limit,
            "since": start,
            "reason": agent.reason,
            "approved": approved is not None,
        }
        out.append(
            Occurrence(
                f"{LONG_ABSENCE}:{agent.id}:{agent.since:.3f}",
                LONG_ABSENCE,
                start + limit,
                agent.id,
                None,
                detail,
            )
        )
    return out


class NormWatch:
    """One tenant's alerts: raises each occurrence once and forgets it when it is over."""

    def __init__(self, policy: NormPolicy | None = None) -> None:
        self.policy = policy or NormPolicy()
        self.raised: set[str] = set()

    def check(self, snapshot: FloorSnapshot, now: float) -> list[Occurrence]:
        """The occurrences that fell due by ``now`` and were not raised before, oldest first."""
        current = occurrences(snapshot, self.policy)
        self.raised &= {o.key for o in current}  # what ended can never come back under its key
        due = sorted((o for o in current if o.due <= now and o.key not in self.raised), key=lambda o: o.due)
        self.raised |= {o.key for o in due}
        return due

    def next_due(self, snapshot: FloorSnapshot) -> float | None:
        """When :meth:`check` next has something to raise, if nothing changes before."""
        dues = [o.due for o in occurrences(snapshot, self.policy) if o.key not in self.raised]
        return min(dues) if dues else None
