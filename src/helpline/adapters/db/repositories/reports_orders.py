"""The order side of the reports' reads: work orders and their SLA clocks added up, and the
names a report shows for reason codes, units and agents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.workorders_reads import SqlWorkOrderReads
from helpline.adapters.db.tables.people import User
from helpline.adapters.db.tables.workorders import ReasonCodeRow, SlaClockRow, UnitRow, WorkOrderRow

OPEN = ("draft", "submitted", "assigned", "accepted", "returned", "in_progress", "replied", "reopened")
CLOSED = ("closed", "visited")
RUNNING = ("running", "paused")


class SqlOrderReports:
    session: AsyncSession
    tenant_id: str

    async def names(self, dimension: str) -> dict[Any, str]:
        if dimension == "reason":
            stmt = select(ReasonCodeRow.code, ReasonCodeRow.label).where(
                ReasonCodeRow.tenant_id == self.tenant_id
            )
        elif dimension == "unit":
            stmt = select(UnitRow.id, UnitRow.name).where(UnitRow.tenant_id == self.tenant_id)
        else:
            stmt = select(User.id, User.display_name).where(User.tenant_id == self.tenant_id)
        return {k: v for k, v in (await self.session.execute(stmt)).all()}

    async def orders_by(self, dimension: str, since: datetime, until: datetime) -> list[dict[str, Any]]:
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
                WorkOrderRow.tenant_id == self.tenant_id,
                WorkOrderRow.created_at >= since,
                WorkOrderRow.created_at < until,
            )
            .group_by(column)
            .order_by(func.count().desc())
        )
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def sla_clocks(self, since: datetime, until: datetime, now: datetime) -> list[dict[str, Any]]:
        met_in_time = case(((SlaClockRow.state == "met") & ~SlaClockRow.breached, 1), else_=0)
        running = SlaClockRow.state.in_(RUNNING)
        stmt = (
            select(
                SlaClockRow.kind,
                func.count().label("clocks"),
                func.sum(met_in_time).label("in_time"),
                func.sum(case((SlaClockRow.breached, 1), else_=0)).label("breached"),
                func.sum(case((running, 1), else_=0)).label("open"),
                func.sum(case((running & (SlaClockRow.due_at < now), 1), else_=0)).label("overdue"),
            )
            .where(
                SlaClockRow.tenant_id == self.tenant_id,
                SlaClockRow.state != "cancelled",
                SlaClockRow.due_at >= since,
                SlaClockRow.due_at < until,
            )
            .group_by(SlaClockRow.kind)
            .order_by(SlaClockRow.kind)
        )
        return [
            {k: int(v or 0) if k != "kind" else v for k, v in r._mapping.items()}
            for r in (await self.session.execute(stmt)).all()
        ]

    async def overdue_clocks(self, now: float) -> list[dict[str, Any]]:
        return await SqlWorkOrderReads(self.session, self.tenant_id).due_clocks(now, overdue_only=True)

    async def visits(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        stmt = (
            select(
                WorkOrderRow.first_owner_id.label("agent"),
                func.count(WorkOrderRow.satisfaction).label("visits"),
                func.avg(WorkOrderRow.satisfaction).label("visit_avg"),
                func.sum(case((WorkOrderRow.satisfaction >= 4, 1), else_=0)).label("visit_good"),
            )
            .where(
                WorkOrderRow.tenant_id == self.tenant_id,
                WorkOrderRow.satisfaction.is_not(None),
                WorkOrderRow.created_at >= since,
                WorkOrderRow.created_at < until,
            )
            .group_by(WorkOrderRow.first_owner_id)
        )
        return [
            {
                "agent": r.agent,
                "visits": int(r.visits),
                "visit_avg": round(float(r.visit_avg), 2),
                "visit_good": int(r.visit_good or 0),
            }
            for r in (await self.session.execute(stmt)).all()
        ]
