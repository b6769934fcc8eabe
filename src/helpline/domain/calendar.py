"""Business-hours calendars: when a deadline clock may run (NORMS §4.9, department deadlines).

The center itself is on 24-hour duty (NORMS §5), so its clocks run on :data:`ALWAYS`. A
department that works office hours gets a :class:`BusinessCalendar`: hours per weekday
(several windows a day, e.g. a lunch break), public holidays, and the make-up working days
(调休) on which a weekend day is worked with ordinary hours.

Times are float epoch seconds, like the rest of the core. A calendar carries the time zone
that turns them into local days and wall-clock hours; the default is China Standard Time
(UTC+8, no daylight saving). The simulator, whose clock starts at 0, reads 0 as
1970-01-01 08:00 local time, a Thursday.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo

from helpline.domain.errors import Invalid

DAY = 86_400
CHINA_TZ = timezone(timedelta(hours=8), "CST")
MAX_DAYS = 3_660  # a walk longer than ten years means the input is wrong, not the calendar
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Interval = tuple[int, int]
"""A working window as seconds from local midnight, ``[start, end)``; ``end`` may be 86400 (24:00)."""

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock(hours: int, minutes: int) -> int:
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise Invalid("invalid_hours", f"{hours:02d}:{minutes:02d} is not a time of day", field="hours")
    return hours * 3600 + minutes * 60


def parse_span(spec: str) -> tuple[int, int]:
    """``"20:00-08:00"`` -> ``(72000, 28800)``; the end may be before the start (duty shifts)."""
    match = _HOURS.match(spec)
    if match is None:
        raise Invalid("invalid_hours", f"{spec!r} is not HH:MM-HH:MM", field="hours", value=spec)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return parse_clock(h1, m1), parse_clock(h2, m2)


def parse_hours(spec: str) -> tuple[Interval, ...]:
    """``"08:30-12:00, 13:30-17:30"`` -> working windows of one day, sorted; ``""`` -> none."""
    windows = [parse_span(part) for part in spec.split(",") if part.strip()]
    return check_windows(windows)


def check_windows(windows: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, non-overlapping windows inside one day, or :class:`Invalid`."""
    ordered = sorted(windows)
    previous_end = 0
    for start, end in ordered:
        if not 0 <= start < end <= DAY:
            raise Invalid(
                "invalid_hours",
                "a working window must start before it ends, within a day",
                field="hours",
                start=start,
                end=end,
            )
        if start < previous_end:
            raise Invalid("invalid_hours", "working windows overlap", field="hours", start=start)
        previous_end = end
    return tuple(ordered)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def at_local(day: date, seconds: int, tz: tzinfo) -> float:
    """Epoch seconds of ``seconds`` after local midnight of ``day`` (wall-clock arithmetic)."""
    return (local_midnight(day, tz) + timedelta(seconds=seconds)).timestamp()


def local_date(t: float, tz: tzinfo) -> date:
    return datetime.fromtimestamp(t, tz).date()


class BusinessCalendar:
    """Working hours of a unit; adds and measures *business* seconds.

    ``weekly`` maps a weekday (0 = Monday) to its windows (a list of intervals or a string
    for :func:`parse_hours`); a weekday missing from it is a day off. ``holidays`` are days
    off whatever the weekday; ``workdays`` are make-up working days (调休) that are worked
    with ``workday_hours`` (by default the hours of the first weekday that has any).
    """

    __slots__ = ("_always", "holidays", "name", "tz", "weekly", "workday_hours", "workdays")

    def __init__(
        self,
        weekly: Mapping[int, Sequence[Interval] | str],
        *,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        workday_hours: Sequence[Interval] | str | None = None,
        tz: tzinfo = CHINA_TZ,
        name: str = "",
    ) -> None:
        self.name = name
        self.tz = tz
        self._always = False
        self.weekly: dict[int, tuple[Interval, ...]] = {}
        for weekday, hours in weekly.items():
            if weekday not in range(7):
                raise Invalid(
                    "invalid_weekday", "weekdays run from 0 (Monday) to 6", field="weekly", weekday=weekday
                )
            windows = parse_hours(hours) if isinstance(hours, str) else check_windows(hours)
            if windows:
                self.weekly[weekday] = windows
        if not self.weekly:
            raise Invalid(
                "no_working_hours", "a calendar needs working hours on at least one weekday", field="weekly"
            )
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        if self.holidays & self.workdays:
            raise Invalid(
                "holiday_is_workday",
                "a day cannot be both a holiday and a make-up workday",
                field="workdays",
                days=sorted(d.isoformat() for d in self.holidays & self.workdays),
            )
        if workday_hours is None:
            self.workday_hours = self.weekly[min(self.weekly)]
        elif isinstance(workday_hours, str):
            self.workday_hours = parse_hours(workday_hours)
        else:
            self.workday_hours = check_windows(workday_hours)

    @classmethod
    def always(cls, name: str = "24h", tz: tzinfo = CHINA_TZ) -> BusinessCalendar:
        """Every second is a working second: the 24-hour center, and any unit on 24-hour duty."""
        calendar = cls({d: [(0, DAY)] for d in range(7)}, tz=tz, name=name)
        calendar._always = True
        return calendar

    @classmethod
    def workweek(
        cls,
        hours: str = "09:00-17:00",
        days: Iterable[int] = range(5),
        *,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        tz: tzinfo = CHINA_TZ,
        name: str = "",
    ) -> BusinessCalendar:
        """The same hours on each of ``days`` (Monday to Friday by default)."""
        windows = parse_hours(hours)
        return cls({d: windows for d in days}, holidays=holidays, workdays=workdays, tz=tz, name=name)

    @property
    def is_always(self) -> bool:
        return self._always

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name or ('24h' if self._always else 'hours')!r})"

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        """The working windows of one local day, after holidays and make-up days."""
        if self._always:
            return ((0, DAY),)
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.workday_hours
        return self.weekly.get(day.weekday(), ())

    def windows(self, t: float) -> Iterator[tuple[float, float]]:
        """Absolute working windows from ``t`` on, the first one clipped to start at ``t``."""
        day = local_date(t, self.tz)
        for _ in range(MAX_DAYS):
            for start, end in self.hours_on(day):
                window_end = at_local(day, end, self.tz)
                if window_end > t:
                    yield max(at_local(day, start, self.tz), t), window_end
            day += timedelta(days=1)
        raise Invalid("calendar_exhausted", "no working time found within ten years", field="calendar")

    def is_open(self, t: float) -> bool:
        """True when ``t`` is inside a working window (a window's end is outside it)."""
        if self._always:
            return True
        day = local_date(t, self.tz)
        return any(at_local(day, s, self.tz) <= t < at_local(day, e, self.tz) for s, e in self.hours_on(day))

    def next_open(self, t: float) -> float:
        """``t`` itself when working, else the start of the next working window."""
        if self._always:
            return t
        return next(self.windows(t))[0]

    def add(self, t: float, seconds: float) -> float:
        """The moment when ``seconds`` of working time have passed after ``t``.

        The result lies inside a working window or at its end, never in the closed time
        after it: a deadline falls due when the unit can still act. Adding 0 returns ``t``.
        """
        if seconds <= 0:
            return t
        if self._always:
            return t + seconds
        remaining = seconds
        for start, end in self.windows(t):
            if remaining <= end - start:
                return start + remaining
            remaining -= end - start
        raise AssertionError("unreachable: windows() raises when exhausted")  # pragma: no cover

    def elapsed(self, start: float, end: float) -> float:
        """Working seconds between ``start`` and ``end`` (0 when ``end`` is not later)."""
        if end <= start:
            return 0.0
        if self._always:
            return end - start
        total = 0.0
        for window_start, window_end in self.windows(start):
            if window_start >= end:
                break
            total += min(window_end, end) - window_start
        return total


ALWAYS = BusinessCalendar.always()
"""The 24-hour calendar the center's own clocks run on."""
