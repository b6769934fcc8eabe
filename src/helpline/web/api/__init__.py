"""The API routers; ``create_app`` includes every router in ``routers`` (append new ones)."""

from __future__ import annotations

from fastapi import APIRouter

from helpline.web.api import (
    admin_calendar,
    admin_prompts,
    agents,
    auth,
    calls,
    customers,
    events_ws,
    floor,
    ivr,
    knowledge,
    queues,
    reports,
    softphone,
    telephony,
    users,
    workorder_admin,
    workorders,
)

routers: list[APIRouter] = [
    auth.router,
    users.router,
    agents.router,
    queues.router,
    calls.router,
    customers.router,
    events_ws.router,
    floor.router,
    workorders.router,
    workorder_admin.router,
    telephony.router,
    ivr.router,
    reports.router,
    softphone.router,
    knowledge.router,
    admin_calendar.router,
    admin_prompts.router,
]
