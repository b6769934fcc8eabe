"""The call KPIs (NORMS §6), each defined once, as a function of totals.

The event fold (:mod:`helpline.domain.acd.metrics`), the reports (whose SQL only counts and
sums), the wallboard and the simulator all add up the same :class:`CallTotals` and call these
functions, so a figure cannot mean one thing on the wallboard and another in a report.

A figure whose denominator is zero is ``None`` (shown as "—"): with no call offered there is
no service level to meet or miss (ADR 0007).

* offered: calls that entered a queue (once per call, whatever transfers follow);
* service level: calls answered within T seconds of queueing / calls offered;
* abandonment rate: calls abandoned in the queue / calls offered;
* ASA: queue wait of answered calls / calls answered;
* ATT: talk (hold included) of handled calls / calls handled;
* ACW: after-call work of handled calls / calls handled;
* AHT: ATT + ACW;
* occupancy: time busy with calls (ringing, talking, holding, wrap-up) / time logged in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class CallTotals:
    """The counts and sums every call KPI is made of."""

    offered: int = 0
    answered: int = 0
    answered_within_sl: int = 0
    abandoned: int = 0
    exited: int = 0  # left the queue by its exit rule (full, waited too long), not by the caller
    wait_answered: float = 0.0  # sum of the queue waits of answered calls
    handled: int = 0  # answered calls that ended with an agent
    talk: float = 0.0  # sum of the talk time (hold included) of handled calls
    wrapup: float = 0.0  # sum of the after-call work that followed handled calls
    busy: float = 0.0  # agent seconds ringing, talking, holding or in wrap-up
    logged_in: float = 0.0  # agent seconds logged in


def share(part: float, whole: float) -> float | None:
    """``part / whole``; ``None`` when there is no whole to take a share of."""
    return part / whole if whole else None


def service_level(totals: CallTotals) -> float | None:
    """Answered within the threshold / offered: a call still waiting or abandoned misses it."""
    return share(totals.answered_within_sl, totals.offered)


def abandon_rate(totals: CallTotals) -> float | None:
    return share(totals.abandoned, totals.offered)


def asa(totals: CallTotals) -> float | None:
    """Average speed of answer: how long answered callers waited in the queue."""
    return share(totals.wait_answered, totals.answered)


def att(totals: CallTotals) -> float | None:
    """Average talk time (平均通话时长), hold included."""
    return share(totals.talk, totals.handled)


def acw(totals: CallTotals) -> float | None:
    """Average after-call work (平均事后处理时长) per handled call."""
    return share(totals.wrapup, totals.handled)


def aht(totals: CallTotals) -> float | None:
    """Average handle time: talk plus after-call work per handled call (= ATT + ACW)."""
    return share(totals.talk + totals.wrapup, totals.handled)


def occupancy(totals: CallTotals) -> float | None:
    return share(totals.busy, totals.logged_in)


@dataclass(frozen=True, slots=True)
class Kpis:
    """The figures of one set of totals, as reports, the wallboard and the simulator show them."""

    offered: int
    answered: int
    abandoned: int
    exited: int
    answered_within_sl: int
    service_level: float | None
    asa_seconds: float | None
    abandon_rate: float | None
    att_seconds: float | None
    acw_seconds: float | None
    aht_seconds: float | None
    occupancy: float | None
    satisfaction: float | None  # share of ratings 4 or 5

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def kpis_of(totals: CallTotals, *, ratings: int = 0, good_ratings: int = 0) -> Kpis:
    """Every figure of ``totals``; satisfaction is the share of good ratings (4 or 5)."""
    return Kpis(
        offered=totals.offered,
        answered=totals.answered,
        abandoned=totals.abandoned,
        exited=totals.exited,
        answered_within_sl=totals.answered_within_sl,
        service_level=service_level(totals),
        asa_seconds=asa(totals),
        abandon_rate=abandon_rate(totals),
        att_seconds=att(totals),
        acw_seconds=acw(totals),
        aht_seconds=aht(totals),
        occupancy=occupancy(totals),
        satisfaction=share(good_ratings, ratings),
    )
