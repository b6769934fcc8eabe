"""The API routers; ``create_app`` includes every router in ``routers`` (append new ones)."""

from __future__ import annotations

from fastapi import APIRouter

from helpline.web.api import events_ws, meta
from helpline.web.api.acd import agents, calls, queues
from helpline.web.api.floor import calendar as admin_calendar
from helpline.web.api.floor import discipline as floor
from helpline.web.api.ivr import flows as ivr
from helpline.web.api.ivr import prompts as admin_prompts
from helpline.web.api.knowledge import articles as knowledge
from helpline.web.api.people import auth, customers, users
from helpline.web.api.reports import standard as reports
from helpline.web.api.telephony import phones as telephony
from helpline.web.api.telephony import softphone
from helpline.web.api.workorders import admin as workorder_admin
from helpline.web.api.workorders import orders as workorders

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
    meta.router,
]
