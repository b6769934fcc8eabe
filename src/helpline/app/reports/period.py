"""A report's period: local days (China time, as the order numbers are), and how figures and
keys are shown in every report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from helpline.app.reports.ports import ReportQueries
from helpline.domain.acd import kpis
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import Invalid

DIMENSIONS = {
    "category": "问题类别 Category",
    "reason": "来电原因 Reason",
    "unit": "承办单位 Department",
    "agent": "首问坐席 Agent",
}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: dict[str, str]


def period(date_from: date | None, date_to: date | None, *, now: float) -> Period:
    """Local days [from, to] inclusive; defaults to the last 30 days up to ``now``'s."""
    today = datetime.fromtimestamp(now, CHINA_TZ).date()
    date_to = date_to or today
    date_from = date_from or date_to - timedelta(days=29)
    if date_from > date_to:
        raise Invalid("invalid_period", "date_from is after date_to", field="date_from")
    start = datetime.combine(date_from, time.min, CHINA_TZ).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, CHINA_TZ).astimezone(UTC)
    return Period(start, end, {"from": date_from.isoformat(), "to": date_to.isoformat()})


def ratio(part: float, whole: float) -> float | None:
    """A share as reports show it (4 decimals); None when there is no whole."""
    return rounded(kpis.share(part, whole), 4)


def rounded(value: float | None, digits: int) -> float | None:
    """A figure as reports show it; an empty figure (None) stays empty (ADR 0007)."""
    return None if value is None else round(value, digits)


CATEGORY_NAMES = {
    "inquiry": "咨询 inquiry",
    "suggestion": "建议 suggestion",
    "complaint": "投诉 complaint",
    "help": "求助 help",
}


async def key_names(reads: ReportQueries, dimension: str) -> dict[Any, str]:
    """What a report shows for each key of ``dimension``: labels, reason codes, unit and user names."""
    if dimension == "category":
        return dict(CATEGORY_NAMES)
    return await reads.names(dimension)
