"""The duty roster (值班表): which shift leader (值班长) is on duty at a given time.

Complaint, help and urgent orders go to the leader on duty (NORMS §4.6-4.7), so routing
asks :meth:`DutyRoster.on_duty`. The center runs 24 hours (NORMS §5): night shifts cross
midnight, so a shift is a start time and an end time that may be earlier than the start
(``20:00-08:00`` ends at 08:00 the next morning). A shift belongs to the day it starts.

Recurring shifts repeat on chosen weekdays; dated shifts (a swap, a one-off cover) take
precedence over recurring ones while they run. When shifts overlap (a handover window,
交接班), the leader whose shift started first stays responsible until it ends: the
handover is complete only when the outgoing shift is over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from helpline.domain.calendar import CHINA_TZ, DAY, at_local, parse_span
from helpline.domain.errors import Invalid

ALL_WEEKDAYS = frozenset(range(7))


@dataclass(frozen=True, slots=True)
class DutyShift:
    """One leader's shift. ``start``/``end`` are seconds from local midnight of the start day;
    ``end <= start`` means the shift runs past midnight (``start == end`` is a 24-hour shift).
    ``day`` set: a dated shift on that day only; unset: recurring on ``weekdays`` (0 = Monday).
    """

    leader_id: str
    start: int
    end: int
    day: date | None = None
    weekdays: frozenset[int] = ALL_WEEKDAYS

    def __post_init__(self) -> None:
        if not self.leader_id:
            raise Invalid("leader_required", "a shift needs a leader", field="leader_id")
        if not (0 <= self.start < DAY and 0 <= self.end <= DAY):
            raise Invalid("invalid_hours", "shift times are within a day", field="hours")
        if not self.weekdays or not self.weekdays <= ALL_WEEKDAYS:
            raise Invalid("invalid_weekday", "weekdays run from 0 (Monday) to 6", field="weekdays")

    @classmethod
    def parse(
        cls,
        leader_id: str,
        hours: str,
        *,
        day: date | None = None,
        weekdays: Iterable[int] = ALL_WEEKDAYS,
    ) -> DutyShift:
        """``DutyShift.parse("L1", "20:00-08:00")``: a night shift every day."""
        start, end = parse_span(hours)
        return cls(leader_id, start, end % DAY if end == DAY and start else end, day, frozenset(weekdays))

    @property
    def length(self) -> int:
        """Seconds the shift lasts (a shift that ends at or before its start crosses midnight)."""
        return self.end - self.start if self.end > self.start else self.end + DAY - self.start

    def starts_on(self, day: date) -> bool:
        if self.day is not None:
            return self.day == day
        return day.weekday() in self.weekdays


class DutyRoster:
    """The shifts of one tenant's leaders; answers who is on duty at a moment."""

    __slots__ = ("shifts", "tz")

    def __init__(self, shifts: Iterable[DutyShift] = (), *, tz: tzinfo = CHINA_TZ) -> None:
        self.shifts: tuple[DutyShift, ...] = tuple(shifts)
        self.tz = tz

    def shifts_at(self, now: float) -> list[tuple[DutyShift, float, float]]:
        """Every shift running at ``now`` with its absolute start and end, responsible first."""
        today = datetime.fromtimestamp(now, self.tz).date()
        running: list[tuple[bool, float, int, DutyShift, float]] = []
        for day in (today - timedelta(days=1), today):
            for index, shift in enumerate(self.shifts):
                if not shift.starts_on(day):
                    continue
                start = at_local(day, shift.start, self.tz)
                end = start + shift.length
                if start <= now < end:
                    running.append((shift.day is None, start, index, shift, end))
        if any(not recurring for recurring, *_ in running):
            running = [entry for entry in running if not entry[0]]  # a dated shift replaces the pattern
        running.sort(key=lambda entry: (entry[1], entry[2]))
        return [(shift, start, end) for _, start, _, shift, end in running]

    def leaders_on_duty(self, now: float) -> list[str]:
        """The leaders on duty at ``now``, the responsible one first, without repeats."""
        seen: dict[str, None] = {}
        for shift, _, _ in self.shifts_at(now):
            seen.setdefault(shift.leader_id, None)
        return list(seen)

    def on_duty(self, now: float) -> str | None:
        """The shift leader responsible at ``now``, or None when nobody is on duty."""
        leaders = self.leaders_on_duty(now)
        return leaders[0] if leaders else None
