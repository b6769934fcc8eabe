"""The center's own calendar: working hours per weekday, public holidays and make-up working
days (调休), kept where the SLA policy reads it (``settings["workorders"]["sla"]["calendar"]``);
and the same for a handling unit (承办单位), whose calendar its department deadlines run on.

The admin console edits either as one small document instead of the whole SLA policy or the
whole unit, and asks for a month at a time to draw it. A 24-hour center (NORMS §5) keeps
``always``: its clocks run around the clock, and the holidays it lists are shown to the
people who plan shifts.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Mapping
from datetime import date
from typing import Any

from helpline.app.workorders.admin import Reload, save_settings, save_unit
from helpline.app.workorders.config import calendar_from, get_unit, settings_of
from helpline.app.workorders.ports import WorkOrdersUnit
from helpline.domain.calendar import DAY, BusinessCalendar, parse_hours
from helpline.domain.errors import DomainError, Invalid

ALWAYS_DOC: dict[str, Any] = {"always": True, "weekly": {}, "holidays": [], "workdays": []}


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def hours_text(windows: tuple[tuple[int, int], ...]) -> str:
    return ", ".join(f"{_clock(start)}-{_clock(end)}" for start, end in windows)


def document(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored calendar in the console's shape (``None`` is the 24-hour calendar)."""
    if not stored:
        return dict(ALWAYS_DOC)
    return {
        "always": bool(stored.get("always")),
        "weekly": {str(k): str(v) for k, v in (stored.get("weekly") or {}).items()},
        "holidays": sorted(str(d) for d in stored.get("holidays") or ()),
        "workdays": sorted(str(d) for d in stored.get("workdays") or ()),
        "workday_hours": stored.get("workday_hours"),
    }


def check(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document, normalised, or :class:`Invalid` naming the field at fault (``weekly.2``
    for Wednesday's hours), so the console can show the message beside it."""
    weekly: dict[str, str] = {}
    for day, hours in (doc.get("weekly") or {}).items():
        if str(day) not in {str(d) for d in range(7)}:
            raise Invalid("invalid_weekday", "weekdays run from 0 (Monday) to 6", field="weekly")
        try:
            windows = parse_hours(str(hours))
        except DomainError as exc:
            raise Invalid(exc.code, exc.message, field=f"weekly.{day}") from None
        if windows:
            weekly[str(day)] = hours_text(windows)
    holidays = sorted({str(d) for d in doc.get("holidays") or ()})
    workdays = sorted({str(d) for d in doc.get("workdays") or ()})
    out: dict[str, Any] = {
        "always": bool(doc.get("always")),
        "weekly": dict(sorted(weekly.items())),
        "holidays": holidays,
        "workdays": workdays,
        "workday_hours": doc.get("workday_hours") or None,
    }
    both = set(holidays) & set(workdays)
    if both:
        raise Invalid(
            "holiday_is_workday",
            f"{', '.join(sorted(both))}: a day cannot be both a holiday and a make-up workday",
            field="workdays",
        )
    if not out["always"] and not weekly:
        raise Invalid(
            "no_working_hours",
            "give working hours on at least one weekday, or choose 24 hours",
            field="weekly",
        )
    try:
        calendar_from({**out, "always": False} if weekly else None, "center")
    except DomainError as exc:
        field = str(exc.fields.get("field") or "calendar")
        raise Invalid(exc.code, exc.message, field=field) from None
    return out


async def get(uow: WorkOrdersUnit, unit_id: str | None = None) -> dict[str, Any]:
    """The center's calendar, or the unit's (a unit of another tenant is not found)."""
    if unit_id is not None:
        return document((await get_unit(uow, unit_id)).calendar)
    sla = (await settings_of(uow)).get("sla") or {}
    return document(sla.get("calendar"))


async def put(
    uow: WorkOrdersUnit, doc: Mapping[str, Any], unit_id: str | None = None, reload: Reload | None = None
) -> dict[str, Any]:
    """Check and keep the calendar: the center's inside the SLA policy (its spans and warnings
    stay), a unit's on the unit (which must exist: this never creates one). Commits; then
    ``reload`` gives the live SLA clocks the new policy."""
    checked = check(doc)
    if unit_id is not None:
        await get_unit(uow, unit_id)
        await save_unit(uow, unit_id, {"calendar": checked}, reload)
        return checked
    sla = dict((await settings_of(uow)).get("sla") or {})
    sla["calendar"] = checked
    await save_settings(uow, {"sla": sla}, reload)
    return checked


def month(doc: Mapping[str, Any], year: int, month_no: int) -> list[dict[str, Any]]:
    """Every day of a month: ``holiday``, ``workday`` (a make-up working day), ``open`` or
    ``closed``, with the working hours of the day."""
    holidays, workdays = set(doc.get("holidays") or ()), set(doc.get("workdays") or ())
    business: BusinessCalendar | None = None
    if not doc.get("always") and doc.get("weekly"):
        business = calendar_from({**doc, "always": False}, "center")
    days = []
    for day_no in range(1, month_calendar.monthrange(year, month_no)[1] + 1):
        day = date(year, month_no, day_no)
        text = day.isoformat()
        windows = business.hours_on(day) if business is not None else ((0, DAY),)
        if text in holidays:
            kind = "holiday"
        elif text in workdays:
            kind = "workday"
        else:
            kind = "open" if windows else "closed"
        days.append({"date": text, "weekday": day.weekday(), "kind": kind, "hours": hours_text(windows)})
    return days
