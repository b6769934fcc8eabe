"""Order numbers per tenant and day; the duty roster of shift leaders (值班表)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import Invalid
from helpline.domain.floor.duty import DutyRoster, DutyShift
from helpline.domain.workorders.numbering import (
    OrderNumberer,
    day_key,
    format_order_number,
    is_order_number,
    next_order_number,
    parse_order_number,
)


def ts(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> float:
    return datetime(y, m, d, h, mi, tzinfo=CHINA_TZ).timestamp()


# ---- numbering ----------------------------------------------------------------------------------


def test_format_and_next() -> None:
    assert format_order_number("20261125", 1) == "20261125-0001"
    assert format_order_number("20261125", 12345) == "20261125-12345"  # grows, never wraps
    assert format_order_number("20261125", 7, prefix="BJ") == "BJ-20261125-0007"
    assert next_order_number("20261125", 0) == ("20261125-0001", 1)
    assert next_order_number("20261125", 41) == ("20261125-0042", 42)
    for bad in (
        lambda: format_order_number("20261125", 0),
        lambda: format_order_number("2026-11-25", 1),
        lambda: format_order_number("20261125", 1, prefix="b j"),
        lambda: next_order_number("x", -1),
    ):
        with pytest.raises(Invalid):
            bad()


def test_parse_round_trip() -> None:
    assert parse_order_number("bj-20261125-0007") == ("BJ", "20261125", 7)
    assert parse_order_number(" 20261125-0042 ") == ("", "20261125", 42)
    assert is_order_number("20261125-0001") and not is_order_number("张三")
    with pytest.raises(Invalid):
        parse_order_number("20261125-1")


def test_the_day_is_the_local_day() -> None:
    assert day_key(ts(2026, 11, 25, 0, 5)) == "20261125"
    assert day_key(ts(2026, 11, 25, 0, 5), UTC) == "20261124"  # 16:05 UTC the day before


def test_numberer_counts_per_tenant_and_day_and_never_reuses() -> None:
    numberer = OrderNumberer()
    monday, tuesday = ts(2026, 11, 23, 10), ts(2026, 11, 24, 10)
    assert numberer.issue("a", monday) == "20261123-0001"
    assert numberer.issue("a", monday) == "20261123-0002"
    assert numberer.issue("b", monday) == "20261123-0001"  # per tenant
    assert numberer.issue("a", tuesday) == "20261124-0001"  # per day
    numberer.restore("a", "20261123", 1)  # storage lagging behind: ignored
    assert numberer.issue("a", monday) == "20261123-0003"
    numberer.restore("a", "20261123", 40)  # storage ahead (another node): followed
    assert numberer.issue("a", monday) == "20261123-0041"


@given(
    st.lists(
        st.tuples(st.sampled_from(["t1", "t2"]), st.integers(0, 3 * 86400), st.integers(0, 60)), max_size=60
    )
)
def test_numbers_are_unique_whatever_storage_says(steps: list[tuple[str, int, int]]) -> None:
    numberer, seen = OrderNumberer(), set()
    for tenant, offset, restore in steps:
        now = ts(2026, 11, 23) + offset
        numberer.restore(tenant, day_key(now), restore)
        number = numberer.issue(tenant, now)
        assert (tenant, number) not in seen
        seen.add((tenant, number))


# ---- duty roster --------------------------------------------------------------------------------

DAY_SHIFT = DutyShift.parse("L-day", "08:00-20:00")
NIGHT_SHIFT = DutyShift.parse("L-night", "20:00-08:00")


def test_day_and_night_shift_cross_midnight() -> None:
    roster = DutyRoster([DAY_SHIFT, NIGHT_SHIFT])
    assert roster.on_duty(ts(2026, 11, 25, 8)) == "L-day"
    assert roster.on_duty(ts(2026, 11, 25, 19, 59)) == "L-day"
    assert roster.on_duty(ts(2026, 11, 25, 20)) == "L-night"
    assert roster.on_duty(ts(2026, 11, 26, 3)) == "L-night"  # yesterday's night shift
    assert roster.on_duty(ts(2026, 11, 26, 7, 59)) == "L-night"
    assert NIGHT_SHIFT.length == 12 * 3600 and DAY_SHIFT.length == 12 * 3600


def test_weekday_patterns_and_gaps() -> None:
    weekdays_only = DutyShift.parse("L1", "09:00-18:00", weekdays=range(5))
    roster = DutyRoster([weekdays_only])
    assert roster.on_duty(ts(2026, 11, 27, 10)) == "L1"  # Friday
    assert roster.on_duty(ts(2026, 11, 28, 10)) is None  # Saturday: nobody
    assert roster.on_duty(ts(2026, 11, 27, 18)) is None  # the end is exclusive
    assert DutyRoster().on_duty(0.0) is None


def test_friday_night_shift_runs_into_saturday() -> None:
    roster = DutyRoster([DutyShift.parse("L-fri", "22:00-06:00", weekdays=[4])])
    assert roster.on_duty(ts(2026, 11, 28, 5)) == "L-fri"
    assert roster.on_duty(ts(2026, 11, 29, 5)) is None


def test_a_dated_shift_replaces_the_pattern_while_it_runs() -> None:
    swap = DutyShift.parse("L-swap", "08:00-14:00", day=date(2026, 11, 25))
    roster = DutyRoster([DAY_SHIFT, NIGHT_SHIFT, swap])
    assert roster.on_duty(ts(2026, 11, 25, 9)) == "L-swap"
    assert roster.on_duty(ts(2026, 11, 25, 15)) == "L-day"
    assert roster.on_duty(ts(2026, 11, 26, 9)) == "L-day"


def test_during_a_handover_the_outgoing_leader_stays_responsible() -> None:
    roster = DutyRoster([DutyShift.parse("L-day", "07:45-20:00"), DutyShift.parse("L-night", "19:45-08:00")])
    assert roster.leaders_on_duty(ts(2026, 11, 25, 19, 50)) == ["L-day", "L-night"]
    assert roster.on_duty(ts(2026, 11, 25, 19, 50)) == "L-day"
    assert roster.on_duty(ts(2026, 11, 26, 7, 50)) == "L-night"


def test_twenty_four_hour_and_to_midnight_shifts() -> None:
    full = DutyShift.parse("L24", "08:00-08:00")
    assert full.length == 86400
    assert DutyRoster([full]).on_duty(ts(2026, 11, 26, 7)) == "L24"
    evening = DutyShift.parse("L-eve", "16:00-24:00")
    assert evening.length == 8 * 3600
    assert DutyRoster([evening]).on_duty(ts(2026, 11, 25, 23, 59)) == "L-eve"
    assert DutyRoster([evening]).on_duty(ts(2026, 11, 26, 0)) is None


def test_bad_shifts_are_refused() -> None:
    with pytest.raises(Invalid):
        DutyShift.parse("", "08:00-20:00")
    with pytest.raises(Invalid):
        DutyShift.parse("L", "8-20")
    with pytest.raises(Invalid):
        DutyShift.parse("L", "08:00-20:00", weekdays=[7])
