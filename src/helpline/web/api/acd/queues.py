"""Queues (configuration and live status) and skills."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from helpline.adapters.db.tables.acd import QueueRow, Skill
from helpline.app.acd import config as acd_config
from helpline.domain.acd.center import ContactCenter
from helpline.web.api.acd.deps import Admin, Agent, Centers, Supervisor
from helpline.web.api.acd.schemas import QueueCreate, QueueIn, QueueOut, SkillIn
from helpline.web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["queues"])


@router.get("/queues", response_model=list[QueueOut])
async def list_queues(actor: Agent, session: SessionDep) -> list[QueueRow]:
    rows = await session.scalars(
        select(QueueRow).where(QueueRow.tenant_id == actor.tenant_id).order_by(QueueRow.id)
    )
    return list(rows.all())


@router.post("/queues", response_model=QueueOut, status_code=status.HTTP_201_CREATED)
async def create_queue(
    body: QueueCreate, actor: Supervisor, session: SessionDep, centers: Centers
) -> QueueRow:
    values = body.values()
    values.pop("id")
    return await acd_config.save_queue(session, centers, actor.tenant_id, body.id, values, create=True)


@router.get("/queues/{queue_id}", response_model=QueueOut)
async def get_queue(queue_id: str, actor: Agent, session: SessionDep) -> QueueRow:
    return await acd_config.get_queue(session, actor.tenant_id, queue_id)


@router.patch("/queues/{queue_id}", response_model=QueueOut)
async def change_queue(
    queue_id: str, body: QueueIn, actor: Supervisor, session: SessionDep, centers: Centers
) -> QueueRow:
    return await acd_config.save_queue(
        session, centers, actor.tenant_id, queue_id, body.values(), create=False
    )


@router.delete("/queues/{queue_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_queue(queue_id: str, actor: Admin, session: SessionDep, centers: Centers) -> Response:
    await acd_config.delete_queue(session, centers, actor.tenant_id, queue_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/queues/{queue_id}/status")
async def queue_status(queue_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    """Live: callers waiting, the oldest wait, and the members by state."""

    def read(center: ContactCenter, now: float) -> dict[str, Any]:
        return center.queue_status(queue_id, now)

    result: dict[str, Any] = await centers.read(actor.tenant_id, read)
    return result


@router.get("/skills")
async def list_skills(actor: Agent, session: SessionDep) -> list[dict[str, str]]:
    rows = await session.scalars(select(Skill).where(Skill.tenant_id == actor.tenant_id).order_by(Skill.id))
    return [{"id": s.id, "name": s.name, "description": s.description} for s in rows.all()]


@router.put("/skills/{skill_id}")
async def put_skill(skill_id: str, body: SkillIn, actor: Supervisor, session: SessionDep) -> dict[str, str]:
    row = await acd_config.save_skill(session, actor.tenant_id, skill_id, body.name, body.description)
    return {"id": row.id, "name": row.name, "description": row.description}
