"""Business-hours calendars: weekly hours, lunch breaks, holidays, make-up days (调休), 24 h."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.domain.calendar import (
    ALWAYS,
    CHINA_TZ,
    DAY,
    BusinessCalendar,
    at_local,
    local_date,
    parse_hours,
)
from helpline.domain.errors import Invalid

HOUR = 3600.0


def ts(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> float:
    return datetime(y, m, d, h, mi, tzinfo=CHINA_TZ).timestamp()


# 2026-11-23 is a Monday; 2026-10-01..07 is the National Day holiday in this test's calendar,
# worked off on Sunday 2026-09-27 and Saturday 2026-10-10.
OFFICE = BusinessCalendar.workweek("09:00-17:00", name="office")
CITY_HALL = BusinessCalendar(
    {d: "08:30-12:00, 13:30-17:30" for d in range(5)},
    holidays=[date(2026, 10, 1) + timedelta(days=i) for i in range(7)],
    workdays=[date(2026, 9, 27), date(2026, 10, 10)],
    name="city hall",
)


def test_parse_hours_sorts_and_checks() -> None:
    assert parse_hours("13:30-17:30, 08:30-12:00") == ((30600, 43200), (48600, 63000))
    assert parse_hours("00:00-24:00") == ((0, DAY),)
    assert parse_hours("") == ()
    for bad in ("9-17", "17:00-09:00", "08:00-12:00,11:00-13:00", "25:00-26:00", "08:00-24:30"):
        with pytest.raises(Invalid):
            parse_hours(bad)


def test_a_calendar_needs_hours_and_consistent_days() -> None:
    with pytest.raises(Invalid) as err:
        BusinessCalendar({})
    assert err.value.code == "no_working_hours"
    with pytest.raises(Invalid):
        BusinessCalendar({7: "09:00-17:00"})
    with pytest.raises(Invalid) as err:
        BusinessCalendar({0: "09:00-17:00"}, holidays=[date(2026, 1, 1)], workdays=[date(2026, 1, 1)])
    assert err.value.code == "holiday_is_workday"


def test_always_counts_every_second() -> None:
    t = ts(2026, 11, 28, 23)  # a Saturday night
    assert ALWAYS.is_always
    assert ALWAYS.add(t, 8 * HOUR) == t + 8 * HOUR
    assert ALWAYS.elapsed(t, t + 100) == 100
    assert ALWAYS.is_open(t) and ALWAYS.next_open(t) == t


def test_add_within_a_day_and_to_the_closing_boundary() -> None:
    monday9 = ts(2026, 11, 23, 9)
    assert OFFICE.add(monday9, 2 * HOUR) == ts(2026, 11, 23, 11)
    # a full day of work ends at closing time, not at the next opening
    assert OFFICE.add(monday9, 8 * HOUR) == ts(2026, 11, 23, 17)
    assert OFFICE.add(monday9, 8 * HOUR + 1) == ts(2026, 11, 24, 9) + 1


def test_add_over_the_weekend_and_from_closed_time() -> None:
    assert OFFICE.add(ts(2026, 11, 27, 16), 2 * HOUR) == ts(2026, 11, 30, 10)  # Fri 16:00 -> Mon 10:00
    assert OFFICE.add(ts(2026, 11, 28, 10), HOUR) == ts(2026, 11, 30, 10)  # Sat -> Mon
    assert OFFICE.add(ts(2026, 11, 23, 20), HOUR) == ts(2026, 11, 24, 10)  # evening -> next morning
    assert OFFICE.add(ts(2026, 11, 28, 10), 0) == ts(2026, 11, 28, 10)  # nothing to add


def test_lunch_break_is_skipped() -> None:
    assert CITY_HALL.add(ts(2026, 11, 23, 11), 2 * HOUR) == ts(2026, 11, 23, 14, 30)
    assert CITY_HALL.elapsed(ts(2026, 11, 23, 11), ts(2026, 11, 23, 14, 30)) == 2 * HOUR
    assert not CITY_HALL.is_open(ts(2026, 11, 23, 12, 30))
    assert CITY_HALL.next_open(ts(2026, 11, 23, 12, 30)) == ts(2026, 11, 23, 13, 30)


def test_holidays_and_make_up_days() -> None:
    # Wednesday 30 Sept 17:00 + 1 h: half an hour that day, the holiday week skipped, then Thursday
    assert CITY_HALL.add(ts(2026, 9, 30, 17), HOUR) == ts(2026, 10, 8, 9)
    assert CITY_HALL.hours_on(date(2026, 10, 1)) == ()
    assert CITY_HALL.hours_on(date(2026, 10, 10)) == CITY_HALL.weekly[0]  # 调休: a Saturday worked
    assert CITY_HALL.is_open(ts(2026, 9, 27, 9))  # a Sunday, worked
    assert CITY_HALL.add(ts(2026, 9, 26, 10), HOUR) == ts(2026, 9, 27, 9, 30)
    # the working days' hours: Oct 8 and 9 (Thu, Fri), then Saturday the 10th
    assert CITY_HALL.elapsed(ts(2026, 10, 1), ts(2026, 10, 11)) == 3 * 7.5 * HOUR


def test_elapsed_over_a_week_and_backwards() -> None:
    assert OFFICE.elapsed(ts(2026, 11, 23), ts(2026, 11, 30)) == 5 * 8 * HOUR
    assert OFFICE.elapsed(ts(2026, 11, 30), ts(2026, 11, 23)) == 0


def test_time_zone_decides_the_local_day() -> None:
    utc_office = BusinessCalendar.workweek("09:00-17:00", tz=UTC)
    t = ts(2026, 11, 23, 9)  # 01:00 UTC
    assert not utc_office.is_open(t) and OFFICE.is_open(t)
    assert local_date(ts(2026, 11, 24, 0, 30), CHINA_TZ) == date(2026, 11, 24)
    assert local_date(ts(2026, 11, 24, 0, 30), UTC) == date(2026, 11, 23)
    assert at_local(date(2026, 11, 23), 9 * 3600, CHINA_TZ) == t


def test_calendar_without_reachable_hours_says_so() -> None:
    mondays = [date(2026, 11, 23) + timedelta(weeks=i) for i in range(600)]
    far = BusinessCalendar({0: "09:00-10:00"}, holidays=mondays)
    with pytest.raises(Invalid) as err:
        far.add(ts(2026, 11, 22), 1)
    assert err.value.code == "calendar_exhausted"


# ---- properties ---------------------------------------------------------------------------------

START = ts(2026, 9, 20)
times = st.floats(min_value=START, max_value=START + 60 * DAY, allow_nan=False)
spans = st.floats(min_value=0, max_value=30 * 8 * HOUR, allow_nan=False)
calendars = st.sampled_from([OFFICE, CITY_HALL, ALWAYS])


def in_hours_or_closing(calendar: BusinessCalendar, t: float) -> bool:
    """Inside a working window, or exactly at the end of one."""
    if calendar.is_open(t):
        return True
    day = local_date(t, calendar.tz)
    for d in (day, day - timedelta(days=1)):
        if any(abs(at_local(d, end, calendar.tz) - t) < 1e-6 for _, end in calendar.hours_on(d)):
            return True
    return False


@settings(max_examples=150, deadline=None)
@given(calendars, times, spans, spans)
def test_add_is_monotonic_in_the_span(calendar: BusinessCalendar, t: float, a: float, b: float) -> None:
    a, b = sorted((a, b))
    assert calendar.add(t, a) <= calendar.add(t, b)
    assert calendar.add(t, a) >= t


@settings(max_examples=150, deadline=None)
@given(calendars, times, times, spans)
def test_add_is_monotonic_in_the_start(calendar: BusinessCalendar, t1: float, t2: float, n: float) -> None:
    t1, t2 = sorted((t1, t2))
    assert calendar.add(t1, n) <= calendar.add(t2, n) + 1e-6


@settings(max_examples=150, deadline=None)
@given(calendars, times, spans.filter(lambda s: s > 0))
def test_add_lands_in_hours_and_elapsed_inverts_it(calendar: BusinessCalendar, t: float, n: float) -> None:
    end = calendar.add(t, n)
    assert in_hours_or_closing(calendar, end)
    assert calendar.elapsed(t, end) == pytest.approx(n, abs=1e-6)
