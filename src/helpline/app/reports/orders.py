"""Work-order reports (工单生成): orders by dimension, SLA compliance and the overdue list."""

from __future__ import annotations

from datetime import datetime

from helpline.app.reports.period import DIMENSIONS, Period, key_names, ratio
from helpline.app.reports.ports import ReportsUnit
from helpline.app.reports.report import Report
from helpline.app.timefmt import as_datetime
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import Invalid


async def orders_by(uow: ReportsUnit, dimension: str, span: Period) -> Report:
    """Orders accepted in the period, grouped: how many, open, closed, urgent, duplicates,
    satisfaction of those called back."""
    if dimension not in DIMENSIONS:
        raise Invalid("unknown_dimension", f"group by one of {', '.join(DIMENSIONS)}", field="dimension")
    rows = await uow.reports.orders_by(dimension, span.start, span.end)
    names = await key_names(uow.reports, dimension)
    for row in rows:
        row["name"] = names.get(row["key"], row["key"] or "—")
        row["satisfaction"] = round(float(row["satisfaction"]), 2) if row["satisfaction"] else None
        for k in ("open", "closed", "urgent", "duplicates"):
            row[k] = int(row[k] or 0)
    total = sum(r["orders"] for r in rows)
    for row in rows:
        row["share"] = ratio(row["orders"], total)
    return Report(
        f"orders-by-{dimension}",
        f"工单统计（按{DIMENSIONS[dimension].split()[0]}） Orders by {dimension}",
        [
            ("name", DIMENSIONS[dimension]),
            ("orders", "工单 Orders"),
            ("share", "占比 Share"),
            ("open", "未办结 Open"),
            ("closed", "已办结 Closed"),
            ("urgent", "急件 Urgent"),
            ("duplicates", "重复件 Duplicates"),
            ("satisfaction", "回访满意度 Satisfaction"),
        ],
        rows,
        span.label,
        [f"合计 Total: {total}"],
    )


async def sla_compliance(uow: ReportsUnit, span: Period, now: float) -> Report:
    """Per kind of deadline: clocks due in the period, met in time, late, still open and overdue."""
    rows = []
    for row in await uow.reports.sla_clocks(span.start, span.end, as_datetime(now)):
        decided = row["in_time"] + row["breached"]
        row["compliance"] = ratio(row["in_time"], decided)
        rows.append(row)
    return Report(
        "sla-compliance",
        "时限达标 SLA compliance",
        [
            ("kind", "时限 Deadline"),
            ("clocks", "计时 Clocks"),
            ("in_time", "按时 In time"),
            ("breached", "超时 Breached"),
            ("open", "进行中 Open"),
            ("overdue", "已逾期 Overdue"),
            ("compliance", "达标率 Compliance"),
        ],
        rows,
        span.label,
    )


async def overdue(uow: ReportsUnit, span: Period, now: float) -> Report:
    """The overdue list: open deadlines past due (or breached), the most overdue first."""
    items = await uow.reports.overdue_clocks(now)
    rows = [
        {
            "number": i["order"].get("number"),
            "title": i["order"].get("title"),
            "state": i["order"].get("state"),
            "kind": i["clock"].get("kind"),
            "due_at": i["clock"].get("due"),
            "overdue_minutes": round(i["overdue_seconds"] / 60, 1),
        }
        for i in items
    ]
    rows.sort(key=lambda r: -r["overdue_minutes"])
    return Report(
        "overdue",
        "超时工单 Overdue orders",
        [
            ("number", "工单号 Number"),
            ("title", "标题 Title"),
            ("state", "状态 State"),
            ("kind", "时限 Deadline"),
            ("due_at", "到期 Due"),
            ("overdue_minutes", "超时(分) Overdue min"),
        ],
        rows,
        {"as of": datetime.fromtimestamp(now, CHINA_TZ).strftime("%Y-%m-%d %H:%M")},
    )
