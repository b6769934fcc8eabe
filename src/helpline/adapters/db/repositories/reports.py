"""The reports' reads in the database (the port ``helpline.app.reports.ports.ReportQueries``):
the call side and the order side, for one tenant."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.reports_calls import SqlCallReports
from helpline.adapters.db.repositories.reports_orders import SqlOrderReports


class SqlReportQueries(SqlCallReports, SqlOrderReports):
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id
