"""The browser softphone: turn it on (WebRTC offer in, answer out), off, answer, keypad, hang up.

Every signed-in user works their own softphone only (the line is keyed by the token's tenant
and user), so there is nobody else's object to reach. State changes reach the browser on
the peer connection's ``events`` data channel; ``GET /softphone`` is the same state on demand.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from helpline.app.telephony.softphone import MAX_OFFER, SoftphoneService
from helpline.web.api.acd.deps import Agent
from helpline.web.deps import ContainerDep

router = APIRouter(prefix="/api/v1/softphone", tags=["softphone"])


def get_softphone(container: ContainerDep) -> SoftphoneService:
    if container.softphone is None:  # a container built without one: nothing to offer
        return SoftphoneService(container.units, container.sip, None)
    return container.softphone


Softphone = Annotated[SoftphoneService, Depends(get_softphone)]


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["offer"]
    sdp: str = Field(min_length=10, max_length=MAX_OFFER)


class DtmfIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    digits: str = Field(
        min_length=1, max_length=32, pattern=r"^[0-9*#]+$", description="keypad keys 0-9, * and #"
    )


@router.get("")
async def softphone_status(actor: Agent, softphone: Softphone) -> dict[str, Any]:
    """Whether the softphone can be used here (``reason`` when not), its state and call."""
    return softphone.status(actor.tenant_id, actor.user_id)


@router.post("/session")
async def turn_on(body: OfferIn, actor: Agent, softphone: Softphone) -> dict[str, Any]:
    """Turn the softphone on: the browser's offer (all ICE candidates in it) -> the answer."""
    return await softphone.turn_on(actor.tenant_id, actor.user_id, body.sdp)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
async def turn_off(
    actor: Agent, softphone: Softphone, line: str | None = Query(None, max_length=64)
) -> Response:
    """Turn the softphone off (only line ``line``, when given: what a closing page sends)."""
    await softphone.turn_off(actor.tenant_id, actor.user_id, line)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/answer")
async def answer(actor: Agent, softphone: Softphone) -> dict[str, Any]:
    """Pick up the call ringing on the softphone (the switch then bridges it)."""
    return softphone.answer(actor.tenant_id, actor.user_id)


@router.post("/dtmf")
async def dtmf(body: DtmfIn, actor: Agent, softphone: Softphone) -> dict[str, Any]:
    """Press keypad keys during the call (RFC 4733 to the switch, which passes them on)."""
    return softphone.dtmf(actor.tenant_id, actor.user_id, body.digits)


@router.post("/hangup")
async def hangup(actor: Agent, softphone: Softphone) -> dict[str, Any]:
    """Decline the ringing call, or end the current one."""
    return softphone.hangup(actor.tenant_id, actor.user_id)
