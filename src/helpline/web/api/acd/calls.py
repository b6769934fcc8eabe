"""Calls: the live list, the agent's soft-phone actions, leaders' supervision, and test calls
through the virtual switch."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from helpline.app.acd import call_records
from helpline.domain.acd.call import Call
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.internal_calls import INTERNAL_FROM
from helpline.domain.errors import Forbidden, Invalid, InvalidTransition
from helpline.domain.events import Event
from helpline.web.api.acd.deps import Agent, Centers, Leader
from helpline.web.api.acd.schemas import (
    ConsultIn,
    DialIn,
    MonitorIn,
    RatingIn,
    TestCallIn,
    TransferIn,
)
from helpline.web.deps import ContainerDep, Principal, UnitDep

router = APIRouter(prefix="/api/v1", tags=["calls"])


def _events(events: list[Event]) -> dict[str, Any]:
    return {"events": [e.as_dict() for e in events]}


def _visible(call: Call, actor: Principal) -> bool:
    return actor.at_least("leader") or actor.user_id in (
        call.agent_id,
        *call.offered_to,
        call.data.get(INTERNAL_FROM),
    )


@router.get("/calls")
async def active_calls(actor: Agent, centers: Centers) -> list[dict[str, Any]]:
    """Calls in progress: all of them for leaders, the agent's own for agents."""

    def read(center: ContactCenter, now: float) -> list[dict[str, Any]]:
        return [c.snapshot(now) for c in center.calls.values() if not c.is_final and _visible(c, actor)]

    result: list[dict[str, Any]] = await centers.read(actor.tenant_id, read)
    return result


@router.get("/calls/{call_id}")
async def call_record(call_id: str, actor: Agent, uow: UnitDep) -> dict[str, Any]:
    """The call detail record with the time of every segment."""
    return await call_records.call_detail(
        uow, call_id, viewer_id=actor.user_id, sees_all=actor.at_least("leader")
    )


# ---- the agent's soft-phone ---------------------------------------------------------------


async def _agent_action(
    centers: Centers, actor: Principal, call_id: str, command: str, **kw: Any
) -> dict[str, Any]:
    def run(center: ContactCenter, now: float) -> list[Event]:
        events: list[Event] = getattr(center, command)(call_id, actor.user_id, now, **kw)
        return events

    return _events(await centers.execute(actor.tenant_id, run))


@router.post("/calls/{call_id}/answer")
async def answer(call_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _agent_action(centers, actor, call_id, "answer")


@router.post("/calls/{call_id}/reject")
async def reject(call_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _agent_action(centers, actor, call_id, "reject")


@router.post("/calls/{call_id}/hold")
async def hold(call_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _agent_action(centers, actor, call_id, "hold")


@router.post("/calls/{call_id}/retrieve")
async def retrieve(call_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _agent_action(centers, actor, call_id, "retrieve")


@router.post("/calls/{call_id}/transfer")
async def transfer(call_id: str, body: TransferIn, actor: Agent, centers: Centers) -> dict[str, Any]:
    """Blind transfer to a queue, an agent or a number."""
    return await _agent_action(centers, actor, call_id, "transfer", **body.model_dump())


@router.post("/calls/{call_id}/consult")
async def consult(call_id: str, body: ConsultIn, actor: Agent, centers: Centers) -> dict[str, Any]:
    """Consult an agent or a number while the caller holds (attended transfer, conference)."""
    consult_id = uuid.uuid4().hex

    def run(center: ContactCenter, now: float) -> list[Event]:
        return center.consult(call_id, actor.user_id, consult_id, now, **body.model_dump())

    return {**_events(await centers.execute(actor.tenant_id, run)), "consult_call_id": consult_id}


@router.post("/calls/{call_id}/consult/cancel")
async def cancel_consult(call_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _agent_action(centers, actor, call_id, "cancel_consult")


@router.post("/calls/{call_id}/consult/complete")
async def complete_transfer(call_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _agent_action(centers, actor, call_id, "complete_transfer")


@router.post("/calls/{call_id}/conference")
async def conference(call_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    return await _agent_action(centers, actor, call_id, "conference")


@router.post("/calls/{call_id}/hangup")
async def agent_hangup(call_id: str, actor: Agent, centers: Centers) -> dict[str, Any]:
    def run(center: ContactCenter, now: float) -> list[Event]:
        call = center.call(call_id)
        agent = center.agent(actor.user_id)
        if actor.user_id != call.agent_id and agent.current_call_id != call_id:
            raise InvalidTransition("not_on_this_call", "you are not on this call", call_id=call_id)
        return center.hangup(call_id, now, by="agent", agent_id=actor.user_id)

    return _events(await centers.execute(actor.tenant_id, run))


@router.post("/calls/dial", status_code=status.HTTP_201_CREATED)
async def dial(body: DialIn, actor: Agent, centers: Centers) -> dict[str, Any]:
    """外拨 to ``number``, or 内呼 to a colleague of the tenant (``to_agent_id``)."""
    if (body.number is None) == (body.to_agent_id is None):
        raise Invalid("one_target", "name exactly one of number, to_agent_id")
    call_id = uuid.uuid4().hex
    number, colleague = body.number, body.to_agent_id

    def run(center: ContactCenter, now: float) -> list[Event]:
        if colleague is not None:
            return center.call_colleague(actor.user_id, colleague, call_id, now)
        return center.dial(actor.user_id, str(number), call_id, now)

    return {**_events(await centers.execute(actor.tenant_id, run)), "call_id": call_id}


# ---- leaders ------------------------------------------------------------------------------


@router.post("/calls/{call_id}/supervise")
async def supervise(call_id: str, body: MonitorIn, actor: Leader, centers: Centers) -> dict[str, Any]:
    """监听 listen, 耳语 whisper, 强插 barge, 拦截 intercept."""

    def run(center: ContactCenter, now: float) -> list[Event]:
        return center.supervise(call_id, actor.user_id, body.mode, now)

    return _events(await centers.execute(actor.tenant_id, run))


@router.post("/calls/{call_id}/unsupervise")
async def unsupervise(call_id: str, actor: Leader, centers: Centers) -> dict[str, Any]:
    def run(center: ContactCenter, now: float) -> list[Event]:
        return center.unsupervise(call_id, actor.user_id, now)

    return _events(await centers.execute(actor.tenant_id, run))


@router.post("/calls/{call_id}/force-hangup")
async def force_hangup(call_id: str, actor: Leader, centers: Centers) -> dict[str, Any]:
    """强拆."""

    def run(center: ContactCenter, now: float) -> list[Event]:
        return center.hangup(call_id, now, by="supervisor")

    return _events(await centers.execute(actor.tenant_id, run))


# ---- the virtual switch's test calls ------------------------------------------------------


def _require_sim(container: ContainerDep) -> None:
    if container.settings.telephony != "sim":
        raise Forbidden("sim_only", "test calls exist only with the virtual switch")


@router.post("/sim/calls", status_code=status.HTTP_201_CREATED)
async def place_test_call(
    body: TestCallIn, actor: Agent, centers: Centers, container: ContainerDep
) -> dict[str, Any]:
    """Place a call through the virtual switch into a queue, as if a caller had dialled in."""
    _require_sim(container)
    call_id = uuid.uuid4().hex

    def run(center: ContactCenter, now: float) -> list[Event]:
        center.router.queue(body.queue_id)
        call = Call(call_id, actor.tenant_id, caller=body.caller, callee=body.callee, data={"ivr": body.ivr})
        return center.arrive(call, now) + center.enqueue(
            call_id, body.queue_id, now, priority=body.priority, skills=body.skills
        )

    return {**_events(await centers.execute(actor.tenant_id, run)), "call_id": call_id}


@router.post("/sim/calls/{call_id}/hangup")
async def caller_hangs_up(
    call_id: str, actor: Agent, centers: Centers, container: ContainerDep
) -> dict[str, Any]:
    _require_sim(container)

    def run(center: ContactCenter, now: float) -> list[Event]:
        return center.hangup(call_id, now, by="caller")

    return _events(await centers.execute(actor.tenant_id, run))


@router.post("/sim/calls/{call_id}/answered")
async def far_end_answers(
    call_id: str, actor: Agent, centers: Centers, container: ContainerDep
) -> dict[str, Any]:
    """The called party of an outbound call picks up."""
    _require_sim(container)

    def run(center: ContactCenter, now: float) -> list[Event]:
        return center.far_end_answered(call_id, now)

    return _events(await centers.execute(actor.tenant_id, run))


@router.post("/sim/calls/{call_id}/rate")
async def rate(
    call_id: str, body: RatingIn, actor: Agent, centers: Centers, container: ContainerDep
) -> dict[str, Any]:
    """The caller's satisfaction key press after the call."""
    _require_sim(container)

    def run(center: ContactCenter, now: float) -> list[Event]:
        return center.rate(call_id, body.score, now)

    return _events(await centers.execute(actor.tenant_id, run))
