"""Readable work-order numbers (工单编号), per tenant and local day: ``20261125-0001``.

People read order numbers over the phone, so they are short, start with the day the order
was opened, and count up within that day. A number is never reused: the sequence of a day
only ever grows, even when an order is deleted or a transaction that took a number rolls
back (a gap is harmless; a repeat would point two callers at one order).

Persistence keeps one row per (tenant, day) with the last used sequence and increments it
under a row lock; this module holds the pure rules: the day key, the format, the next number
after a given last sequence, and parsing. :class:`OrderNumberer` is the in-memory version for
the simulator and tests.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from helpline.domain.calendar import CHINA_TZ, local_date
from helpline.domain.errors import Invalid

WIDTH = 4
"""Digits of the sequence; past 9999 orders in a day the number simply grows a digit."""

_NUMBER = re.compile(r"^(?:(?P<prefix>[A-Z][A-Z0-9]{0,7})-)?(?P<day>\d{8})-(?P<seq>\d{4,})$")


def day_key(now: float, tz: tzinfo = CHINA_TZ) -> str:
    """The local day of ``now`` as ``YYYYMMDD``: the part of the number a person recognises."""
    return local_date(now, tz).strftime("%Y%m%d")


def format_order_number(day: str, seq: int, *, prefix: str = "") -> str:
    """``("20261125", 1)`` -> ``"20261125-0001"``; with ``prefix="BJ"``: ``"BJ-20261125-0001"``."""
    if seq < 1:
        raise Invalid("invalid_sequence", "sequences start at 1", field="seq", seq=seq)
    if not re.fullmatch(r"\d{8}", day):
        raise Invalid("invalid_day", "the day is YYYYMMDD", field="day", day=day)
    if prefix and not re.fullmatch(r"[A-Z][A-Z0-9]{0,7}", prefix):
        raise Invalid(
            "invalid_prefix",
            "a prefix is 1-8 capital letters or digits, starting with a letter",
            field="prefix",
            prefix=prefix,
        )
    number = f"{day}-{seq:0{WIDTH}d}"
    return f"{prefix}-{number}" if prefix else number


def next_order_number(day: str, last_seq: int, *, prefix: str = "") -> tuple[str, int]:
    """The number after ``last_seq`` (0 when the day has none yet), and the new last sequence."""
    if last_seq < 0:
        raise Invalid("invalid_sequence", "the last sequence is 0 or more", field="last_seq")
    seq = last_seq + 1
    return format_order_number(day, seq, prefix=prefix), seq


def parse_order_number(number: str) -> tuple[str, str, int]:
    """``"BJ-20261125-0007"`` -> ``("BJ", "20261125", 7)``; search uses it to tell a number from a name."""
    match = _NUMBER.match(number.strip().upper())
    if match is None:
        raise Invalid("invalid_order_number", f"{number!r} is not an order number", field="number")
    return match["prefix"] or "", match["day"], int(match["seq"])


def is_order_number(text: str) -> bool:
    return _NUMBER.match(text.strip().upper()) is not None


class OrderNumberer:
    """Issues numbers per tenant and day from memory; :meth:`restore` seeds it from storage.

    The counter of a (tenant, day) only moves forward, so a number once issued is never
    issued again by this object, whatever :meth:`restore` is told later.
    """

    __slots__ = ("_last", "prefix", "tz")

    def __init__(self, *, tz: tzinfo = CHINA_TZ, prefix: str = "") -> None:
        self.tz = tz
        self.prefix = prefix
        self._last: dict[tuple[str, str], int] = {}

    def last(self, tenant_id: str, day: str) -> int:
        return self._last.get((tenant_id, day), 0)

    def restore(self, tenant_id: str, day: str, last_seq: int) -> None:
        """Tell the numberer the last sequence storage has seen; it never goes backwards."""
        key = (tenant_id, day)
        self._last[key] = max(self._last.get(key, 0), last_seq)

    def issue(self, tenant_id: str, now: float) -> str:
        """The next number of ``tenant_id`` for the local day of ``now``."""
        day = day_key(now, self.tz)
        number, seq = next_order_number(day, self.last(tenant_id, day), prefix=self.prefix)
        self._last[(tenant_id, day)] = seq
        return number
