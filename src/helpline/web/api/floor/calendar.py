"""The center's calendar for the admin console: working hours per weekday, holidays and
make-up working days, and a month of it to draw; ``?unit=<id>``: a handling unit's calendar
instead. Leaders read them (they plan the shifts); administrators change them, and the live
SLA clocks take them from the next clock on."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from helpline.app.floor import calendar as center_calendar
from helpline.domain.errors import Invalid
from helpline.web.api.acd.deps import Admin, Leader
from helpline.web.api.workorders.orders import Orders
from helpline.web.deps import UnitDep

router = APIRouter(prefix="/api/v1", tags=["admin console"])
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    always: bool = False
    weekly: dict[str, str] = Field(default_factory=dict, description='{"0": "08:30-12:00, 13:30-17:30"}')
    holidays: list[date] = Field(default_factory=list, max_length=1000)
    workdays: list[date] = Field(default_factory=list, max_length=1000)
    workday_hours: str | None = Field(default=None, max_length=200)


def _month(text: str) -> tuple[int, int]:
    match = MONTH.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise Invalid("invalid_month", "month is YYYY-MM", field="month")
    return int(match.group(1)), int(match.group(2))


UnitQuery = Query(default=None, max_length=64, description="a unit's calendar instead of the center's")


@router.get("/admin/calendar")
async def get_calendar(actor: Leader, uow: UnitDep, unit: str | None = UnitQuery) -> dict[str, Any]:
    return await center_calendar.get(uow, unit)


@router.put("/admin/calendar")
async def put_calendar(
    body: CalendarIn, actor: Admin, uow: UnitDep, orders: Orders, unit: str | None = UnitQuery
) -> dict[str, Any]:
    """Replace the calendar (checked first; a wrong weekday's hours name ``weekly.<day>``)."""
    doc = body.model_dump(mode="json")
    return await center_calendar.put(uow, doc, unit, orders.sla.reload_policy)


@router.get("/admin/calendar/month")
async def calendar_month(
    actor: Leader,
    uow: UnitDep,
    month: str = Query(description="YYYY-MM"),
    unit: str | None = UnitQuery,
) -> dict[str, Any]:
    """Each day of the month with its kind (holiday, make-up workday, open, closed) and hours."""
    year, month_no = _month(month)
    doc = await center_calendar.get(uow, unit)
    return {"month": month, "always": doc["always"], "days": center_calendar.month(doc, year, month_no)}
