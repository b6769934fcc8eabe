"""``/api/v1/floor``: the leader's floor (NORMS §5) — norm alerts, break requests, messages to
agents, the floor limits, and the wallboard's per-queue service level and abandonment.

Agents see and act on their own breaks and messages only; leaders and up see the tenant.
Another tenant's object is a 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from helpline.app.floor import breaks, messages
from helpline.app.floor.breaks import FloorService
from helpline.app.floor.norm_alerts import NormAlertService
from helpline.app.floor.stats import queue_stats
from helpline.web.api.acd.deps import Agent, Leader, Supervisor
from helpline.web.deps import ContainerDep, UnitDep

router = APIRouter(prefix="/api/v1/floor", tags=["floor"])


def get_floor(container: ContainerDep) -> FloorService:
    return container.floor


def get_alerts(container: ContainerDep) -> NormAlertService:
    return container.norm_alerts


STATUSES = "^(open|pending|approved|refused|cancelled|started|ended)$"
Floor = Annotated[FloorService, Depends(get_floor)]
Alerts = Annotated[NormAlertService, Depends(get_alerts)]


class BreakIn(BaseModel):
    reason: str = Field(min_length=1, max_length=64)
    minutes: int = Field(ge=1, le=240)
    note: str = Field(default="", max_length=200)


class DecisionIn(BaseModel):
    note: str = Field(default="", max_length=200)


class MessageIn(BaseModel):
    to_user_id: str | None = Field(default=None, max_length=36, description="None: every agent")
    body: str = Field(min_length=1, max_length=500)


class FloorSettingsIn(BaseModel):
    """NORMS defaults: a ring is 3 s, answer within 2 rings, hold 30 s, absence 5 min."""

    model_config = ConfigDict(extra="forbid")

    ring_seconds: float = Field(default=3.0, gt=0, le=60)
    max_rings: int = Field(default=2, ge=1, le=20)
    hold_limit: float = Field(default=30.0, gt=0, le=3600)
    absence_limit: float = Field(default=300.0, gt=0, le=24 * 3600)
    scheduled_reasons: list[str] = Field(default_factory=lambda: ["break", "meal"], max_length=50)
    max_break_minutes: int = Field(default=60, ge=1, le=240)


# ---- limits ---------------------------------------------------------------------------------


@router.get("/settings")
async def get_settings(actor: Agent, alerts: Alerts) -> dict[str, Any]:
    """The floor limits: rings (a ring's seconds), hold, absence, scheduled break reasons."""
    policy = alerts.watch(actor.tenant_id).policy
    return {**policy.as_dict(), "ring_limit": policy.ring_limit}


@router.put("/settings")
async def put_settings(
    body: FloorSettingsIn, actor: Supervisor, uow: UnitDep, alerts: Alerts
) -> dict[str, Any]:
    """Change the limits; the ones not given keep their value."""
    current = alerts.watch(actor.tenant_id).policy.as_dict()
    policy = await alerts.save_policy(uow, {**current, **body.model_dump(exclude_unset=True)})
    return {**policy.as_dict(), "ring_limit": policy.ring_limit}


# ---- norm alerts ----------------------------------------------------------------------------


@router.get("/alerts")
async def list_alerts(
    actor: Leader, uow: UnitDep, alerts: Alerts, scope: Literal["today", "open"] = "today"
) -> list[dict[str, Any]]:
    """Newest first: today's alerts, or every alert not yet acknowledged (``scope=open``)."""
    return await alerts.list(uow, scope)


@router.post("/alerts/{alert_id}/ack")
async def acknowledge(alert_id: int, actor: Leader, uow: UnitDep, alerts: Alerts) -> dict[str, Any]:
    return await alerts.acknowledge(uow, alert_id, actor.user_id)


# ---- breaks ---------------------------------------------------------------------------------


@router.post("/breaks", status_code=201)
async def request_break(body: BreakIn, actor: Agent, uow: UnitDep, floor: Floor) -> dict[str, Any]:
    """The agent asks to leave the seat (reason, minutes, note); the leaders see it at once."""
    return await floor.request_break(uow, actor, body.reason, body.minutes, body.note)


@router.get("/breaks")
async def list_breaks(
    actor: Agent,
    uow: UnitDep,
    status: Annotated[str | None, Query(pattern=STATUSES)] = None,
    mine: bool = False,
) -> list[dict[str, Any]]:
    """Leaders: the tenant's requests; agents: their own. ``status=open``: pending, approved, started."""
    return await breaks.list_breaks(uow, actor, status, mine)


@router.post("/breaks/{break_id}/approve")
async def approve(
    break_id: int, actor: Leader, uow: UnitDep, floor: Floor, body: DecisionIn | None = None
) -> dict[str, Any]:
    return await floor.decide(uow, actor, break_id, True, body.note if body else "")


@router.post("/breaks/{break_id}/refuse")
async def refuse(
    break_id: int, actor: Leader, uow: UnitDep, floor: Floor, body: DecisionIn | None = None
) -> dict[str, Any]:
    return await floor.decide(uow, actor, break_id, False, body.note if body else "")


@router.post("/breaks/{break_id}/start")
async def start_break(break_id: int, actor: Agent, uow: UnitDep, floor: Floor) -> dict[str, Any]:
    """The agent leaves on the approved break: not ready with its reason, counted from now."""
    return await floor.start(uow, actor, break_id)


@router.post("/breaks/{break_id}/cancel")
async def cancel_break(break_id: int, actor: Agent, uow: UnitDep, floor: Floor) -> dict[str, Any]:
    return await floor.cancel(uow, actor, break_id)


# ---- messages -------------------------------------------------------------------------------


@router.post("/messages", status_code=201)
async def send_message(body: MessageIn, actor: Leader, uow: UnitDep, floor: Floor) -> dict[str, Any]:
    """To one user (``to_user_id``) or to every agent (``null``); it arrives live."""
    return await messages.send(uow, actor.user_id, body.to_user_id, body.body, floor.clock.now())


@router.get("/messages")
async def my_messages(actor: Agent, uow: UnitDep) -> dict[str, Any]:
    """The signed-in user's messages, newest first, and how many are unread."""
    return await messages.inbox(uow, actor.user_id)


@router.get("/messages/sent")
async def sent_messages(actor: Leader, uow: UnitDep) -> list[dict[str, Any]]:
    """What the leaders sent, one entry per sending, with how many recipients have read it."""
    return await messages.sent(uow)


@router.post("/messages/read")
async def read_all(actor: Agent, uow: UnitDep, floor: Floor) -> dict[str, Any]:
    return await messages.mark_read(uow, actor.user_id, None, floor.clock.now())


@router.post("/messages/{message_id}/read")
async def read_one(message_id: int, actor: Agent, uow: UnitDep, floor: Floor) -> dict[str, Any]:
    return await messages.mark_read(uow, actor.user_id, message_id, floor.clock.now())


# ---- the wallboard's figures ----------------------------------------------------------------


@router.get("/queue-stats")
async def stats(actor: Leader, uow: UnitDep, floor: Floor) -> list[dict[str, Any]]:
    """Per queue: service level and abandonment today and in the last 30 minutes."""
    return await queue_stats(uow, floor.clock.now())
