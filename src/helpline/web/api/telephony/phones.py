"""Telephony: the SIP accounts of users' phones (admin), call recordings and voicemail
(the agent who handled the call, or leaders), and the state of the switch."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from helpline.adapters.db.tables.acd import CallEventRow, CallRecord
from helpline.adapters.db.tables.telephony import CallRecording
from helpline.app.telephony import sip_accounts
from helpline.app.telephony.call_quality import call_quality
from helpline.domain.errors import Forbidden, NotFound
from helpline.web.api.acd.deps import Admin, Agent, Leader
from helpline.web.deps import ContainerDep, Principal, SessionDep

router = APIRouter(prefix="/api/v1", tags=["telephony"])


class SipAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=128)
    username: str | None = Field(default=None, max_length=64)  # default: the agent's extension


class ForwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str | None = Field(default=None, max_length=33)  # None: ring the registered phone again


class AutoAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    enabled: bool  # True: offered calls ask the phone to pick up by itself (a headset agent)


def _phone(container: ContainerDep, tenant_id: str, user_id: str, username: str) -> dict[str, Any]:
    if container.sip is not None:
        return {"user_id": user_id, **container.sip.phone(tenant_id, user_id)}
    return {"user_id": user_id, "username": username, "registered": False, "contacts": []}


@router.put("/agents/{user_id}/sip")
async def set_sip_account(
    user_id: str, body: SipAccountIn, actor: Admin, session: SessionDep, container: ContainerDep
) -> dict[str, Any]:
    """Set the SIP user name and password the user's phone registers with (write-only)."""
    directory = container.sip.directory if container.sip is not None else None
    row = await sip_accounts.set_account(
        session, directory, actor.tenant_id, user_id, password=body.password, username=body.username
    )
    return _phone(container, actor.tenant_id, user_id, row.username)


@router.get("/agents/{user_id}/sip")
async def get_sip_account(
    user_id: str, actor: Agent, session: SessionDep, container: ContainerDep
) -> dict[str, Any]:
    """The phone's SIP user name and registration (the password is never shown)."""
    if user_id != actor.user_id and not actor.at_least("admin"):
        raise Forbidden("role_required", "only admins see other users' phones", role="admin")
    row = await sip_accounts.get_account(session, actor.tenant_id, user_id)
    return _phone(container, actor.tenant_id, user_id, row.username)


@router.put("/agents/{user_id}/sip/forward")
async def set_sip_forward(
    user_id: str, body: ForwardIn, actor: Agent, session: SessionDep, container: ContainerDep
) -> dict[str, Any]:
    """Reach the user at an outside number (rung through the trunk) instead of the phone;
    ``null`` goes back to the phone. The admin, or the user themself."""
    if user_id != actor.user_id and not actor.at_least("admin"):
        raise Forbidden("role_required", "only admins change other users' phones", role="admin")
    directory = container.sip.directory if container.sip is not None else None
    row = await sip_accounts.set_forward(session, directory, actor.tenant_id, user_id, body.number)
    return {**_phone(container, actor.tenant_id, user_id, row.username), "forward_to": row.forward_to}


@router.put("/agents/{user_id}/sip/auto-answer")
async def set_sip_auto_answer(
    user_id: str, body: AutoAnswerIn, actor: Agent, session: SessionDep, container: ContainerDep
) -> dict[str, Any]:
    """Auto-answer (自动应答) for a headset agent: the phone picks up offered calls by itself
    after a short beep. The admin, or the user themself."""
    if user_id != actor.user_id and not actor.at_least("admin"):
        raise Forbidden("role_required", "only admins change other users' phones", role="admin")
    directory = container.sip.directory if container.sip is not None else None
    row = await sip_accounts.set_auto_answer(session, directory, actor.tenant_id, user_id, body.enabled)
    return {**_phone(container, actor.tenant_id, user_id, row.username), "auto_answer": row.auto_answer}


@router.delete("/agents/{user_id}/sip", status_code=status.HTTP_204_NO_CONTENT)
async def delete_sip_account(
    user_id: str, actor: Admin, session: SessionDep, container: ContainerDep
) -> Response:
    directory = container.sip.directory if container.sip is not None else None
    await sip_accounts.delete_account(session, directory, actor.tenant_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _may_hear(session: SessionDep, actor: Principal, call_id: str) -> None:
    """Leaders hear every call of their tenant; an agent the calls they took part in."""
    record = await session.get(CallRecord, call_id)
    if record is None or record.tenant_id != actor.tenant_id:
        raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id)
    if actor.at_least("leader"):
        return
    agents = await session.scalars(
        select(CallEventRow.agent_id).where(
            CallEventRow.tenant_id == actor.tenant_id, CallEventRow.call_id == call_id
        )
    )
    if actor.user_id not in set(agents.all()) and record.agent_id != actor.user_id:
        raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id)


@router.get("/calls/{call_id}/recordings")
async def list_recordings(call_id: str, actor: Agent, session: SessionDep) -> list[dict[str, Any]]:
    await _may_hear(session, actor, call_id)
    rows = await session.scalars(
        select(CallRecording)
        .where(CallRecording.tenant_id == actor.tenant_id, CallRecording.call_id == call_id)
        .order_by(CallRecording.id)
    )
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "seconds": r.seconds,
            "created_at": r.created_at.isoformat(),
            "url": f"/api/v1/calls/{call_id}/recording?kind={r.kind}",
        }
        for r in rows.all()
    ]


@router.get("/calls/{call_id}/recording", response_class=FileResponse)
async def get_recording(
    call_id: str,
    actor: Agent,
    session: SessionDep,
    kind: Literal["call", "voicemail", "stereo", "caller", "agent"] = Query("call"),
) -> FileResponse:
    """The call's recording (or the voicemail the caller left) as 8 kHz mono WAV; where the
    tenant records both directions apart, ``stereo`` (caller left, agent right) or the
    ``caller`` and ``agent`` sides."""
    await _may_hear(session, actor, call_id)
    row = await session.scalar(
        select(CallRecording)
        .where(
            CallRecording.tenant_id == actor.tenant_id,
            CallRecording.call_id == call_id,
            CallRecording.kind == kind,
        )
        .order_by(CallRecording.id.desc())
        .limit(1)
    )
    if row is None or not Path(row.path).is_file():
        raise NotFound("recording_not_found", f"call {call_id} has no {kind} recording", call_id=call_id)
    return FileResponse(row.path, media_type="audio/wav", filename=f"{call_id}-{kind}.wav")


@router.get("/calls/{call_id}/quality")
async def get_call_quality(call_id: str, actor: Agent, session: SessionDep) -> dict[str, Any]:
    """Media quality of each leg of a finished SIP call: RTP sent/received/lost, jitter, and
    what the far end reported by RTCP (loss, jitter, round trip)."""
    await _may_hear(session, actor, call_id)
    return {"call_id": call_id, "legs": await call_quality(session, actor.tenant_id, call_id)}


@router.get("/telephony/status")
async def telephony_status(actor: Leader, container: ContainerDep) -> dict[str, Any]:
    """Which switch runs; for the SIP switch, where it listens and what it carries now."""
    if container.sip is None:
        return {"telephony": container.settings.telephony}
    switch = container.sip.switch
    config = switch.config
    return {
        "telephony": "sip",
        "host": config.host,
        "port": switch.port,
        "numbers": sorted(n for n, t in config.inbound_numbers.items() if t == actor.tenant_id),
        "calls": sum(1 for call in switch.calls.values() if call.tenant_id == actor.tenant_id),
    }
