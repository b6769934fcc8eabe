"""Queues (configuration and live status) and skills."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response, status

from helpline.app.acd import config as acd_config
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.records import QueueRecord
from helpline.web.api.acd.deps import Admin, Agent, Centers, Supervisor
from helpline.web.api.acd.schemas import QueueCreate, QueueIn, QueueOut, SkillIn
from helpline.web.deps import UnitDep

router = APIRouter(prefix="/api/v1", tags=["queues"])


@router.get("/queues", response_model=list[QueueOut])
async def list_queues(actor: Agent, uow: UnitDep) -> Sequence[QueueRecord]:
    return await acd_config.list_queues(uow)


@router.post("/queues", response_model=QueueOut, status_code=status.HTTP_201_CREATED)
async def create_queue(body: QueueCreate, actor: Supervisor, uow: UnitDep, centers: Centers) -> QueueRecord:
    values = body.values()
    values.pop("id")
    return await acd_config.save_queue(uow, centers, body.id, values, create=True)


@router.get("/queues/{queue_id}", response_model=QueueOut)
async def get_queue(queue_id: str, actor: Agent, uow: UnitDep) -> QueueRecord:
    return await acd_config.get_queue(uow, queue_id)


@router.patch("/queues/{queue_id}", response_model=QueueOut)
async def change_queue(
    queue_id: str, body: QueueIn, actor: Supervisor, uow: UnitDep, centers: Centers
) -> QueueRecord:
    return await acd_config.save_queue(uow, centers, queue_id, body.values(), create=False)


@router.delete("/queues/{queue_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_queue(queue_id: str, actor: Admin, uow: UnitDep, centers: Centers) -> Response:
    await acd_config.delete_queue(uow, centers, queue_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/queues/{queue_id}/status")
async def queue_status(queue_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    """Live: callers waiting, the oldest wait, and the members by state."""

    def read(center: ContactCenter, now: float) -> dict[str, Any]:
        return center.queue_status(queue_id, now)

    result: dict[str, Any] = await centers.read(actor.tenant_id, read)
    return result


@router.get("/skills")
async def list_skills(actor: Agent, uow: UnitDep) -> list[dict[str, str]]:
    return [
        {"id": s.id, "name": s.name, "description": s.description} for s in await acd_config.list_skills(uow)
    ]


@router.put("/skills/{skill_id}")
async def put_skill(skill_id: str, body: SkillIn, actor: Supervisor, uow: UnitDep) -> dict[str, str]:
    skill = await acd_config.save_skill(uow, skill_id, body.name, body.description)
    return {"id": skill.id, "name": skill.name, "description": skill.description}
