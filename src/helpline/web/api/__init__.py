"""The API routers, one package per capability; ``create_app`` includes every router in
``routers`` (append new ones)."""

from __future__ import annotations

from fastapi import APIRouter

from helpline.web.api import events_ws, meta
from helpline.web.api.acd import agents, calls, queues
from helpline.web.api.floor import calendar as floor_calendar
from helpline.web.api.floor import discipline as floor_discipline
from helpline.web.api.ivr import flows as ivr_flows
from helpline.web.api.ivr import prompts as ivr_prompts
from helpline.web.api.knowledge import articles as kb_articles
from helpline.web.api.people import auth, customers, users
from helpline.web.api.reports import standard as standard_reports
from helpline.web.api.telephony import phones, softphone
from helpline.web.api.workorders import admin as workorder_admin
from helpline.web.api.workorders import orders as workorder_orders

routers: list[APIRouter] = [
    auth.router,
    users.router,
    agents.router,
    queues.router,
    calls.router,
    customers.router,
    events_ws.router,
    floor_discipline.router,
    workorder_orders.router,
    workorder_admin.router,
    phones.router,
    ivr_flows.router,
    standard_reports.router,
    softphone.router,
    kb_articles.router,
    floor_calendar.router,
    ivr_prompts.router,
    meta.router,
]
