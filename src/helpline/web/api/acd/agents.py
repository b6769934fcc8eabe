"""Agents: profiles (admin), the agent's own soft-phone states, and leaders' force actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from helpline.app.acd import config as acd_config
from helpline.domain.acd.agent import Agent as DomainAgent
from helpline.domain.acd.agent import AgentState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.errors import Forbidden
from helpline.domain.events import Event
from helpline.web.api.acd.deps import Admin, Agent, Centers, Leader
from helpline.web.api.acd.schemas import AgentCreate, AgentIn, NotReadyIn, ReasonsIn
from helpline.web.deps import UnitDep

router = APIRouter(prefix="/api/v1", tags=["agents"])


async def _live(centers: Centers, tenant_id: str, agent_id: str) -> dict[str, Any]:
    def read(center: ContactCenter, now: float) -> dict[str, Any]:
        return center.agent_snapshot(center.agent(agent_id), now)

    result: dict[str, Any] = await centers.read(tenant_id, read)
    return result


@router.get("/agents")
async def list_agents(actor: Leader, centers: Centers) -> list[dict[str, Any]]:
    """Every agent of the tenant with live state (leaders and up)."""

    def read(center: ContactCenter, now: float) -> list[dict[str, Any]]:
        return [center.agent_snapshot(a, now) for a in center.agents.values()]

    result: list[dict[str, Any]] = await centers.read(actor.tenant_id, read)
    return result


@router.post("/agents", status_code=status.HTTP_201_CREATED)
async def create_agent(body: AgentCreate, actor: Admin, uow: UnitDep, centers: Centers) -> dict[str, Any]:
    """Give a user an agent profile: extension, skills (1-10) and queues with penalties."""
    values = body.model_dump(exclude={"user_id"}, exclude_none=True)
    await acd_config.save_agent(uow, centers, body.user_id, values, create=True)
    return await _live(centers, actor.tenant_id, body.user_id)


# coarse presence for colleagues: what a picker needs, nothing a leader's figures would show
_PRESENCE = {
    AgentState.LOGGED_OUT: "logged_out",
    AgentState.READY: "available",
    AgentState.NOT_READY: "away",
    AgentState.WRAP_UP: "away",
}


def _directory_entry(agent: DomainAgent) -> dict[str, Any]:
    presence = _PRESENCE.get(agent.state, "on_call")  # ringing, talking, holding, consulting
    return {"id": agent.id, "name": agent.name, "extension": agent.extension, "presence": presence}


@router.get("/agents/directory")
async def agent_directory(actor: Agent, centers: Centers) -> list[dict[str, Any]]:
    """Colleagues of the tenant for transfer, consult and internal calls (any signed-in user).

    Only id, name, extension and a coarse presence (available / on_call / away / logged_out):
    reason codes and today's figures stay with leaders (``GET /agents``).
    """

    def read(center: ContactCenter, now: float) -> list[dict[str, Any]]:
        entries = [_directory_entry(a) for a in center.agents.values()]
        return sorted(entries, key=lambda e: (e["extension"] or "~", e["name"], e["id"]))

    result: list[dict[str, Any]] = await centers.read(actor.tenant_id, read)
    return result


@router.get("/agents/me")
async def my_state(actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _live(centers, actor.tenant_id, actor.user_id)


@router.get("/agents/{agent_id}")
async def get_agent(agent_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    if agent_id != actor.user_id and not actor.at_least("leader"):
        raise Forbidden("role_required", "agents see only themselves", role="leader")
    return await _live(centers, actor.tenant_id, agent_id)


@router.patch("/agents/{agent_id}")
async def change_agent(
    agent_id: str, body: AgentIn, actor: Admin, uow: UnitDep, centers: Centers
) -> dict[str, Any]:
    await acd_config.save_agent(uow, centers, agent_id, body.model_dump(exclude_unset=True), create=False)
    return await _live(centers, actor.tenant_id, agent_id)


# ---- the agent's own soft-phone -----------------------------------------------------------


async def _own(centers: Centers, actor: Agent, command: str, **kw: Any) -> dict[str, Any]:
    def run(center: ContactCenter, now: float) -> list[Event]:
        method = getattr(center, command)
        events: list[Event] = method(actor.user_id, *kw.values(), now) if kw else method(actor.user_id, now)
        return events

    events = await centers.execute(actor.tenant_id, run)
    return {**await _live(centers, actor.tenant_id, actor.user_id), "events": [e.as_dict() for e in events]}


@router.post("/agents/me/login")
async def login(actor: Agent, centers: Centers) -> dict[str, Any]:
    """签入: the agent starts not ready (reason ``login``) until they choose ready."""
    return await _own(centers, actor, "login")


@router.post("/agents/me/logout")
async def logout(actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _own(centers, actor, "logout")


@router.post("/agents/me/ready")
async def ready(actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _own(centers, actor, "ready")


@router.post("/agents/me/not-ready")
async def not_ready(body: NotReadyIn, actor: Agent, centers: Centers) -> dict[str, Any]:
    """离席 with a reason; during a call it takes effect when the call ends."""
    return await _own(centers, actor, "not_ready", reason=body.reason)


@router.post("/agents/me/wrap-up/end")
async def end_wrap_up(actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _own(centers, actor, "end_wrap_up")


# ---- leaders' force actions ---------------------------------------------------------------


async def _force(centers: Centers, actor: Leader, agent_id: str, command: str) -> dict[str, Any]:
    def run(center: ContactCenter, now: float) -> list[Event]:
        events: list[Event] = getattr(center, command)(agent_id, now, by=actor.user_id)
        return events

    events = await centers.execute(actor.tenant_id, run)
    return {**await _live(centers, actor.tenant_id, agent_id), "events": [e.as_dict() for e in events]}


@router.post("/agents/{agent_id}/force-logout")
async def force_logout(agent_id: str, actor: Leader, centers: Centers) -> dict[str, Any]:
    """强制签出."""
    return await _force(centers, actor, agent_id, "force_logout")


@router.post("/agents/{agent_id}/force-not-ready")
async def force_not_ready(agent_id: str, actor: Leader, centers: Centers) -> dict[str, Any]:
    """强制离席."""
    return await _force(centers, actor, agent_id, "force_not_ready")


@router.post("/agents/{agent_id}/force-ready")
async def force_ready(agent_id: str, actor: Leader, centers: Centers) -> dict[str, Any]:
    """强制就绪."""
    return await _force(centers, actor, agent_id, "force_ready")


# ---- not-ready reasons --------------------------------------------------------------------


@router.get("/reasons")
async def list_reasons(actor: Agent, centers: Centers) -> list[str]:
    """The tenant's not-ready reasons (离席原因)."""
    result: list[str] = await centers.read(
        actor.tenant_id, lambda center, now: sorted(center.not_ready_reasons)
    )
    return result


@router.put("/reasons")
async def put_reasons(body: ReasonsIn, actor: Admin, uow: UnitDep, centers: Centers) -> list[str]:
    return await acd_config.set_reasons(uow, centers, body.reasons)
