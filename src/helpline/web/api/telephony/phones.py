"""Telephony: the SIP accounts of users' phones (admin), call recordings and voicemail
(the agent who handled the call, or leaders), and the state of the switch."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from helpline.app.telephony import recordings, sip_accounts
from helpline.app.telephony.call_quality import call_quality, quality_row
from helpline.app.telephony.directory import SipDirectory
from helpline.domain.errors import Forbidden
from helpline.web.api.acd.deps import Admin, Agent, Leader
from helpline.web.deps import ContainerDep, UnitDep

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


def _directory(container: ContainerDep) -> SipDirectory | None:
    return container.sip.directory if container.sip is not None else None


@router.put("/agents/{user_id}/sip")
async def set_sip_account(
    user_id: str, body: SipAccountIn, actor: Admin, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    """Set the SIP user name and password the user's phone registers with (write-only)."""
    account = await sip_accounts.set_account(
        uow, _directory(container), user_id, password=body.password, username=body.username
    )
    return _phone(container, actor.tenant_id, user_id, account.username)


@router.get("/agents/{user_id}/sip")
async def get_sip_account(
    user_id: str, actor: Agent, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    """The phone's SIP user name and registration (the password is never shown)."""
    if user_id != actor.user_id and not actor.at_least("admin"):
        raise Forbidden("role_required", "only admins see other users' phones", role="admin")
    account = await sip_accounts.get_account(uow, user_id)
    return _phone(container, actor.tenant_id, user_id, account.username)


@router.put("/agents/{user_id}/sip/forward")
async def set_sip_forward(
    user_id: str, body: ForwardIn, actor: Agent, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    """Reach the user at an outside number (rung through the trunk) instead of the phone;
    ``null`` goes back to the phone. The admin, or the user themself."""
    if user_id != actor.user_id and not actor.at_least("admin"):
        raise Forbidden("role_required", "only admins change other users' phones", role="admin")
    account = await sip_accounts.set_forward(uow, _directory(container), user_id, body.number)
    return {**_phone(container, actor.tenant_id, user_id, account.username), "forward_to": account.forward_to}


@router.put("/agents/{user_id}/sip/auto-answer")
async def set_sip_auto_answer(
    user_id: str, body: AutoAnswerIn, actor: Agent, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    """Auto-answer (自动应答) for a headset agent: the phone picks up offered calls by itself
    after a short beep. The admin, or the user themself."""
    if user_id != actor.user_id and not actor.at_least("admin"):
        raise Forbidden("role_required", "only admins change other users' phones", role="admin")
    account = await sip_accounts.set_auto_answer(uow, _directory(container), user_id, body.enabled)
    return {
        **_phone(container, actor.tenant_id, user_id, account.username),
        "auto_answer": account.auto_answer,
    }


@router.delete("/agents/{user_id}/sip", status_code=status.HTTP_204_NO_CONTENT)
async def delete_sip_account(user_id: str, actor: Admin, uow: UnitDep, container: ContainerDep) -> Response:
    await sip_accounts.delete_account(uow, _directory(container), user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/calls/{call_id}/recordings")
async def list_recordings(call_id: str, actor: Agent, uow: UnitDep) -> list[dict[str, Any]]:
    found = await recordings.recordings_of(
        uow, call_id, user_id=actor.user_id, leader=actor.at_least("leader")
    )
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "seconds": r.seconds,
            "created_at": r.created_at.isoformat() if r.created_at is not None else None,
            "url": f"/api/v1/calls/{call_id}/recording?kind={r.kind}",
        }
        for r in found
    ]


@router.get("/calls/{call_id}/recording", response_class=FileResponse)
async def get_recording(
    call_id: str,
    actor: Agent,
    uow: UnitDep,
    kind: Literal["call", "voicemail", "stereo", "caller", "agent"] = Query("call"),
) -> FileResponse:
    """The call's recording (or the voicemail the caller left) as 8 kHz mono WAV; where the
    tenant records both directions apart, ``stereo`` (caller left, agent right) or the
    ``caller`` and ``agent`` sides."""
    found = await recordings.recording_file(
        uow, call_id, kind, user_id=actor.user_id, leader=actor.at_least("leader")
    )
    return FileResponse(found.path, media_type="audio/wav", filename=f"{call_id}-{kind}.wav")


@router.get("/calls/{call_id}/quality")
async def get_call_quality(call_id: str, actor: Agent, uow: UnitDep) -> dict[str, Any]:
    """Media quality of each leg of a finished SIP call: RTP sent/received/lost, jitter, and
    what the far end reported by RTCP (loss, jitter, round trip)."""
    legs = await call_quality(uow, call_id, user_id=actor.user_id, leader=actor.at_least("leader"))
    return {"call_id": call_id, "legs": [quality_row(leg) for leg in legs]}


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
