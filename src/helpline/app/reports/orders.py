"""Work-order reports (工单生成): orders by dimension, SLA compliance and the overdue list."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.workorders import (
    SlaClockRow,
    WorkOrderRow,
)
from helpline.adapters.report_render import Report
from helpline.app.reports.period import DIMENSIONS, Period, key_names, ratio
from helpline.app.workorders import queries as wo_queries
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import Invalid

OPEN = ("draft", "submitted", "assigned", "accepted", "returned", "in_progress", "replied", "reopened")
CLOSED = ("closed", "visited")


async def orders_by(session: AsyncSession, tenant_id: str, dimension: str, span: Period) -> Report:
    """Orders accepted in the period, grouped: how many, open, closed, urgent, duplicates,
    satisfaction of those called back."""
    if dimension not in DIMENSIONS:
        raise Invalid("unknown_dimension", f"group by one of {', '.join(DIMENSIONS)}", field="dimension")
    column = {
        "category": WorkOrderRow.category,
        "reason": WorkOrderRow.reason_code,
        "unit": WorkOrderRow.unit_id,
        "agent": WorkOrderRow.first_owner_id,
    }[dimension]
    stmt = (
        select(
            column.label("key"),
            func.count().label("orders"),
            func.sum(case((WorkOrderRow.state.in_(OPEN), 1), else_=0)).label("open"),
            func.sum(case((WorkOrderRow.state.in_(CLOSED), 1), else_=0)).label("closed"),
            func.sum(case((WorkOrderRow.urgent, 1), else_=0)).label("urgent"),
            func.sum(case((WorkOrderRow.state == "merged", 1), else_=0)).label("duplicates"),
            func.avg(WorkOrderRow.satisfaction).label("satisfaction"),
        )
        .where(
            WorkOrderRow.tenant_id == tenant_id,
            WorkOrderRow.created_at >= span.start,
            WorkOrderRow.created_at < span.end,
        )
        .group_by(column)
        .order_by(func.count().desc())
    )
    rows = [dict(r._mapping) for r in (await session.execute(stmt)).all()]
    names = await key_names(session, tenant_id, dimension)
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


async def sla_compliance(session: AsyncSession, tenant_id: str, span: Period) -> Report:
    """Per kind of deadline: clocks due in the period, met in time, late, still open and overdue."""
    now = datetime.now(UTC)
    met_in_time = case(((SlaClockRow.state == "met") & ~SlaClockRow.breached, 1), else_=0)
    stmt = (
        select(
            SlaClockRow.kind,
            func.count().label("clocks"),
            func.sum(met_in_time).label("in_time"),
            func.sum(case((SlaClockRow.breached, 1), else_=0)).label("breached"),
            func.sum(case((SlaClockRow.state.in_(("running", "paused")), 1), else_=0)).label("open"),
            func.sum(
                case(
                    ((SlaClockRow.state.in_(("running", "paused"))) & (SlaClockRow.due_at < now), 1), else_=0
                )
            ).label("overdue"),
        )
        .where(
            SlaClockRow.tenant_id == tenant_id,
            SlaClockRow.state != "cancelled",
            SlaClockRow.due_at >= span.start,
            SlaClockRow.due_at < span.end,
        )
        .group_by(SlaClockRow.kind)
        .order_by(SlaClockRow.kind)
    )
    rows = []
    for r in (await session.execute(stmt)).all():
        row = {k: int(v or 0) if k != "kind" else v for k, v in r._mapping.items()}
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


async def overdue(session: AsyncSession, tenant_id: str, span: Period) -> Report:
    """The overdue list: open deadlines past due (or breached), the most overdue first."""
    now = datetime.now(UTC).timestamp()
    items = await wo_queries.due_clocks(session, tenant_id, now, overdue_only=True)
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
        {"as of": datetime.now(CHINA_TZ).strftime("%Y-%m-%d %H:%M")},
    )
