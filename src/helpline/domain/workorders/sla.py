"""SLA clocks (NORMS §4.4, §4.5, §4.9): deadlines that warn before they run out and say
when they were breached or met.

A clock has a span of *business* seconds on a :class:`BusinessCalendar` (the center's own
clocks run around the clock; a department's run in its office hours), a start, a due time,
a warn-at time, and may be paused (while an order is back from a department, 退单) and
resumed. :class:`SlaBoard` holds the clocks of one tenant and, like the ACD core, does no
I/O and reads no clock: the driver asks :meth:`SlaBoard.next_deadline` and calls
:meth:`SlaBoard.advance` when it comes, which returns the :class:`SlaWarning` and
:class:`SlaBreached` events due by then. Which work-order change starts, pauses, resumes or
meets which clock is in :mod:`helpline.domain.workorders.sla_triggers`.

Times are float epoch seconds. A clock met at or after its due time is late.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from helpline.domain.calendar import ALWAYS, BusinessCalendar
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event
from helpline.domain.workorders import events as ev

MINUTE, HOUR = 60.0, 3600.0


class SlaKind(StrEnum):
    COMPLETION = "completion"  # 工单完成: written within 15 min of the call's end
    CALLBACK = "callback"  # 咨询回电: an inquiry called back within 15 min of hang-up
    COMPLAINT_SIMPLE = "complaint_simple"  # 投诉答复 (简单): 2 h
    COMPLAINT_COMPLEX = "complaint_complex"  # 投诉答复 (复杂): 24 h
    EMAIL = "email"  # 邮件答复: 8 h
    MISSED_CALL = "missed_call"  # 未接来电回拨: same day, at latest 24 h
    DEPARTMENT = "department"  # 承办时限: per tenant and department, on its calendar
    PROMISED = "promised"  # a time promised to the customer (whoever promises it tracks it)


DEFAULT_SPANS: Mapping[SlaKind, float] = {
    SlaKind.COMPLETION: 15 * MINUTE,
    SlaKind.CALLBACK: 15 * MINUTE,
    SlaKind.COMPLAINT_SIMPLE: 2 * HOUR,
    SlaKind.COMPLAINT_COMPLEX: 24 * HOUR,
    SlaKind.EMAIL: 8 * HOUR,
    SlaKind.MISSED_CALL: 24 * HOUR,
    SlaKind.DEPARTMENT: 16 * HOUR,  # not in NORMS: two 8-hour working days, set per tenant
    SlaKind.PROMISED: 24 * HOUR,  # only a fallback: a promise comes with its own due time
}
"""NORMS §4 defaults, in business seconds."""


@dataclass(frozen=True, slots=True)
class WarnRule:
    """When to warn: after ``fraction`` of the span, or ``before`` business seconds before
    the due time when that is set (it wins)."""

    fraction: float = 0.8
    before: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.fraction <= 1 or (self.before is not None and self.before < 0):
            raise Invalid(
                "invalid_warn_rule", "warn after 0-100% of the span, or a time before it", field="warn"
            )

    def lead(self, span: float) -> float:
        """Business seconds between the warning and the due time."""
        lead = self.before if self.before is not None else span * (1 - self.fraction)
        return min(max(lead, 0.0), span)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """A tenant's SLA settings; anything not given falls back to NORMS (:data:`DEFAULT_SPANS`)."""

    spans: Mapping[SlaKind, float] = field(default_factory=dict)
    warn: WarnRule = WarnRule()
    warn_by_kind: Mapping[SlaKind, WarnRule] = field(default_factory=dict)
    calendar: BusinessCalendar = ALWAYS
    department_spans: Mapping[str, float] = field(default_factory=dict)
    department_calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if any(s <= 0 for s in (*self.spans.values(), *self.department_spans.values())):
            raise Invalid("invalid_span", "SLA spans are positive", field="spans")

    def span(self, kind: SlaKind, unit_id: str | None = None) -> float:
        if kind is SlaKind.DEPARTMENT and unit_id is not None and unit_id in self.department_spans:
            return self.department_spans[unit_id]
        return self.spans.get(kind, DEFAULT_SPANS[kind])

    def calendar_for(self, kind: SlaKind, unit_id: str | None = None) -> BusinessCalendar:
        if kind is SlaKind.DEPARTMENT and unit_id is not None and unit_id in self.department_calendars:
            return self.department_calendars[unit_id]
        return self.calendar

    def warn_rule(self, kind: SlaKind) -> WarnRule:
        return self.warn_by_kind.get(kind, self.warn)


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    CANCELLED = "cancelled"


OPEN_CLOCKS = frozenset({ClockState.RUNNING, ClockState.PAUSED})


class SlaClock:
    """One deadline. ``consumed`` is the business time used before the current run began."""

    __slots__ = (
        "breached",
        "calendar",
        "consumed",
        "due",
        "ended_at",
        "id",
        "kind",
        "lead",
        "order_id",
        "run_start",
        "span",
        "started_at",
        "state",
        "unit_id",
        "warn_at",
        "warned",
    )

    def __init__(
        self,
        clock_id: str,
        kind: SlaKind,
        start: float,
        span: float,
        lead: float,
        calendar: BusinessCalendar,
        *,
        order_id: str | None,
        unit_id: str | None,
    ) -> None:
        self.id, self.kind, self.order_id, self.unit_id = clock_id, kind, order_id, unit_id
        self.calendar, self.span, self.lead = calendar, span, lead
        self.started_at = self.run_start = start
        self.state = ClockState.RUNNING
        self.consumed = 0.0
        self.warned = self.breached = False
        self.ended_at: float | None = None
        self.due = calendar.add(start, span)
        self.warn_at: float | None = calendar.add(start, span - lead) if lead > 0 else None

    def __repr__(self) -> str:
        return f"SlaClock({self.id!r}, {self.state.value}, due={self.due})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CLOCKS

    def elapsed(self, now: float) -> float:
        """Business seconds used so far, pauses excluded."""
        running = self.calendar.elapsed(self.run_start, now) if self.state is ClockState.RUNNING else 0.0
        return self.consumed + running

    def remaining(self, now: float) -> float:
        """Business seconds left (negative once breached)."""
        return self.span - self.elapsed(now)

    def as_dict(self) -> dict[str, Any]:
        """Everything storage needs to :meth:`SlaBoard.restore` the clock after a restart
        (the calendar is not stored: the board's policy supplies it again)."""
        return {
            name: getattr(self, name).value if name in ("kind", "state") else getattr(self, name)
            for name in self.__slots__
            if name != "calendar"
        }


class SlaBoard:
    """The SLA clocks of one tenant, with their pending warnings and breaches."""

    def __init__(self, tenant_id: str = "default", policy: SlaPolicy | None = None) -> None:
        self.tenant_id = tenant_id
        self.policy = policy or SlaPolicy()
        self.clocks: dict[str, SlaClock] = {}
        self._heap: list[tuple[float, int, str, str, int]] = []  # at, seq, what, clock id, token
        self._tokens: dict[str, int] = {}
        self._seq = 0

    # ---- reading -------------------------------------------------------------------------

    def clock(self, clock_id: str) -> SlaClock:
        try:
            return self.clocks[clock_id]
        except KeyError:
            raise NotFound("sla_clock_not_found", f"no SLA clock {clock_id}", clock_id=clock_id) from None

    def open_clocks(self, order_id: str | None = None) -> list[SlaClock]:
        return [c for c in self.clocks.values() if c.is_open and (order_id is None or c.order_id == order_id)]

    def next_deadline(self) -> float | None:
        """When :meth:`advance` next has something to do (None: nothing pending)."""
        while self._heap and self._tokens.get(self._heap[0][3]) != self._heap[0][4]:
            heapq.heappop(self._heap)  # superseded by a pause, a resume or an end
        return self._heap[0][0] if self._heap else None

    def restore(self, data: Mapping[str, Any]) -> SlaClock:
        """Put back a clock saved with :meth:`SlaClock.as_dict`; its pending warning and
        breach are scheduled again, and :meth:`advance` fires any that fell due meanwhile."""
        kind = SlaKind(data["kind"])
        clock = SlaClock(
            data["id"],
            kind,
            data["started_at"],
            data["span"],
            data["lead"],
            self.policy.calendar_for(kind, data["unit_id"]),
            order_id=data["order_id"],
            unit_id=data["unit_id"],
        )
        for name in ("consumed", "due", "ended_at", "run_start", "warn_at", "warned", "breached"):
            setattr(clock, name, data[name])
        clock.state = ClockState(data["state"])
        self.clocks[clock.id] = clock
        if clock.state is ClockState.RUNNING:
            self._schedule(clock)
        return clock

    def forget(self, clock_id: str) -> None:
        """Drop a finished clock from memory (it stays in storage and in the event log)."""
        if self.clock(clock_id).is_open:
            raise InvalidTransition("sla_clock_open", "stop or cancel the clock first", clock_id=clock_id)
        del self.clocks[clock_id]

    # ---- changing ------------------------------------------------------------------------

    def start(
        self,
        clock_id: str,
        kind: SlaKind,
        now: float,
        *,
        start: float | None = None,
        order_id: str | None = None,
        unit_id: str | None = None,
        span: float | None = None,
        due: float | None = None,
    ) -> list[Event]:
        """Start a clock at ``start`` (default ``now``; earlier for a clock that counts from
        a hang-up). ``span`` overrides the policy; ``due`` sets the deadline itself (a time
        promised to a customer). A finished clock of the same id is replaced."""
        existing = self.clocks.get(clock_id)
        if existing is not None and existing.is_open:
            raise InvalidTransition("sla_clock_running", "this clock is already running", clock_id=clock_id)
        begin = now if start is None else start
        calendar = self.policy.calendar_for(kind, unit_id)
        if due is not None:
            span = calendar.elapsed(begin, due)
        span = self.policy.span(kind, unit_id) if span is None else span
        if span <= 0:
            raise Invalid("invalid_span", "the deadline must leave working time", field="due")
        lead = self.policy.warn_rule(kind).lead(span)
        clock = SlaClock(clock_id, kind, begin, span, lead, calendar, order_id=order_id, unit_id=unit_id)
        self.clocks[clock_id] = clock
        self._schedule(clock)
        return [ev.SlaStarted(**self._base(clock, now), start=begin, warn_at=clock.warn_at, unit_id=unit_id)]

    def meet(self, clock_id: str, now: float) -> list[Event]:
        """The work was done: stop the clock. A breach not yet reported comes first."""
        clock = self._open(clock_id)
        out = self._catch_up(clock, now)
        elapsed = clock.elapsed(now)
        self._end(clock, ClockState.MET, now)
        out.append(ev.SlaMet(**self._base(clock, now), late=clock.breached, elapsed=elapsed))
        return out

    def cancel(self, clock_id: str, now: float) -> list[Event]:
        """The clock no longer applies (the order was merged, or moved to another unit)."""
        clock = self._open(clock_id)
        self._end(clock, ClockState.CANCELLED, now)
        return [ev.SlaCancelled(**self._base(clock, now))]

    def pause(self, clock_id: str, now: float) -> list[Event]:
        clock = self._open(clock_id)
        if clock.state is ClockState.PAUSED:
            raise InvalidTransition("sla_clock_paused", "the clock is already paused", clock_id=clock_id)
        out = self._catch_up(clock, now)
        clock.consumed = clock.elapsed(now)
        clock.state = ClockState.PAUSED
        self._bump(clock.id)
        out.append(ev.SlaPaused(**self._base(clock, now), remaining=clock.remaining(now)))
        return out

    def resume(self, clock_id: str, now: float) -> list[Event]:
        """Run again from ``now`` with the business time that was left; due and warn-at move."""
        clock = self._open(clock_id)
        if clock.state is not ClockState.PAUSED:
            raise InvalidTransition("sla_clock_not_paused", "the clock is not paused", clock_id=clock_id)
        remaining = clock.span - clock.consumed
        clock.state, clock.run_start = ClockState.RUNNING, now
        clock.due = clock.calendar.add(now, max(remaining, 0.0))
        clock.warn_at = clock.calendar.add(now, max(remaining - clock.lead, 0.0)) if clock.lead > 0 else None
        self._schedule(clock)
        return [ev.SlaResumed(**self._base(clock, now), remaining=remaining)]

    def advance(self, now: float) -> list[Event]:
        """Fire every warning and breach due at or before ``now``, in time order."""
        out: list[Event] = []
        while self._heap and self._heap[0][0] <= now:
            at, _, what, clock_id, token = heapq.heappop(self._heap)
            clock = self.clocks.get(clock_id)
            if clock is None or self._tokens.get(clock_id) != token or clock.state is not ClockState.RUNNING:
                continue
            self._fire(clock, what, at, out)
        return out

    # ---- inside ----------------------------------------------------------------------------

    def _base(self, clock: SlaClock, at: float) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "at": at,
            "clock_id": clock.id,
            "kind": clock.kind.value,
            "order_id": clock.order_id,
            "due": clock.due,
        }

    def _open(self, clock_id: str) -> SlaClock:
        clock = self.clock(clock_id)
        if not clock.is_open:
            raise InvalidTransition(
                "sla_clock_stopped",
                f"the clock is {clock.state.value}",
                clock_id=clock_id,
                state=clock.state.value,
            )
        return clock

    def _bump(self, clock_id: str) -> int:
        self._tokens[clock_id] = self._tokens.get(clock_id, 0) + 1
        return self._tokens[clock_id]

    def _schedule(self, clock: SlaClock) -> None:
        token = self._bump(clock.id)
        if not clock.warned and clock.warn_at is not None and clock.warn_at < clock.due:
            self._push(clock.warn_at, "warn", clock.id, token)
        if not clock.breached:
            self._push(clock.due, "breach", clock.id, token)

    def _push(self, at: float, what: str, clock_id: str, token: int) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, what, clock_id, token))

    def _fire(self, clock: SlaClock, what: str, at: float, out: list[Event]) -> None:
        if what == "warn" and not clock.warned:
            clock.warned = True
            out.append(ev.SlaWarning(**self._base(clock, at), remaining=clock.remaining(at)))
        elif what == "breach" and not clock.breached:
            clock.breached = True
            out.append(ev.SlaBreached(**self._base(clock, at)))

    def _catch_up(self, clock: SlaClock, now: float) -> list[Event]:
        """This clock's warning and breach due by ``now`` that :meth:`advance` has not fired."""
        out: list[Event] = []
        if clock.state is ClockState.RUNNING:
            if clock.warn_at is not None and clock.warn_at <= now and clock.warn_at < clock.due:
                self._fire(clock, "warn", clock.warn_at, out)
            if clock.due <= now:
                self._fire(clock, "breach", clock.due, out)
        return out

    def _end(self, clock: SlaClock, state: ClockState, now: float) -> None:
        if clock.state is ClockState.RUNNING:
            clock.consumed = clock.elapsed(now)
        clock.state, clock.ended_at = state, now
        self._bump(clock.id)
