"""Standard reports (工单生成): orders by dimension, SLA compliance, satisfaction, call KPIs.

Each returns a :class:`Report`, which the web layer renders as JSON, CSV, XLSX, a printable
page or PDF. Date ranges are local days (China time, as the order numbers are). This module
is their catalogue; each lives in the module of its subject.
"""

from __future__ import annotations

from helpline.app.reports.calls import agent_calls, call_kpis
from helpline.app.reports.orders import orders_by, overdue, sla_compliance
from helpline.app.reports.period import DIMENSIONS, Period, period
from helpline.app.reports.satisfaction import satisfaction

__all__ = [
    "DIMENSIONS",
    "Period",
    "agent_calls",
    "call_kpis",
    "orders_by",
    "overdue",
    "period",
    "satisfaction",
    "sla_compliance",
]
