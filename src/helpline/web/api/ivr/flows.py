"""IVR flows (admin): list, read, save (validated: refused with every problem named by
node), delete, and a dry-run validation; voice prompts (admin): the catalogue, a tenant's
own recordings (uploaded WAV, converted to 8 kHz mono), playback; callback requests
(leaders list them, agents call the customer back and close them)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from helpline.app.acd import callbacks
from helpline.app.ivr import flows as ivr_flows
from helpline.app.ivr.prompts import PromptLibrary
from helpline.bootstrap_sip import prompt_library
from helpline.domain.errors import Invalid, NotFound
from helpline.web.api.acd.deps import Admin, Agent, Centers, Leader
from helpline.web.deps import ContainerDep, UnitDep

router = APIRouter(prefix="/api/v1", tags=["ivr"])
MAX_UPLOAD = 20 * 1024 * 1024


class FlowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200)
    numbers: list[str] = Field(default_factory=list, max_length=50)
    active: bool = True
    definition: dict[str, Any]


class DefinitionIn(BaseModel):
    definition: Any


def _library(container: ContainerDep) -> PromptLibrary:
    return container.sip.prompts if container.sip is not None else prompt_library(container.settings)


def _flows(container: ContainerDep) -> ivr_flows.FlowDirectory | None:
    return container.sip.flows if container.sip is not None else None


@router.get("/ivr/flows")
async def list_flows(actor: Admin, uow: UnitDep) -> list[dict[str, Any]]:
    return [ivr_flows.as_dict(f) for f in await ivr_flows.list_flows(uow)]


@router.get("/ivr/flows/builtin")
async def builtin_flow(actor: Admin) -> dict[str, Any]:
    """The flow a tenant without one gets (a starting point for its own)."""
    return {"id": "builtin", "definition": copy.deepcopy(ivr_flows.DEMO_FLOW)}


@router.post("/ivr/flows/validate")
async def validate_flow(
    body: DefinitionIn, actor: Admin, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    """Check a flow without saving it: ``valid`` and every problem, by node."""
    library = _library(container)
    flow, found = await ivr_flows.problems(uow, body.definition, library.exists)
    return {
        "valid": flow is not None,
        "problems": [p.as_dict() for p in found],
        "definition": flow.as_dict() if flow is not None else None,  # with defaults filled in
    }


@router.get("/ivr/flows/{flow_id}")
async def get_flow(flow_id: str, actor: Admin, uow: UnitDep) -> dict[str, Any]:
    return ivr_flows.as_dict(await ivr_flows.get_flow(uow, flow_id))


@router.put("/ivr/flows/{flow_id}")
async def save_flow(
    flow_id: str, body: FlowIn, actor: Admin, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    """Create or replace a flow; it answers its numbers (``default``: every other number of
    the tenant) from the next call on."""
    record = await ivr_flows.save_flow(
        uow, _flows(container), flow_id, body.model_dump(), _library(container).exists
    )
    return ivr_flows.as_dict(record)


@router.delete("/ivr/flows/{flow_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_flow(flow_id: str, actor: Admin, uow: UnitDep, container: ContainerDep) -> Response:
    await ivr_flows.delete_flow(uow, _flows(container), flow_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- prompts --------------------------------------------------------------------------------


@router.get("/ivr/prompts")
async def list_prompts(actor: Admin, container: ContainerDep) -> list[dict[str, Any]]:
    return _library(container).catalogue(actor.tenant_id)


@router.put("/ivr/prompts/{prompt_id}")
async def upload_prompt(
    prompt_id: str, actor: Admin, container: ContainerDep, file: UploadFile = File(...)
) -> dict[str, Any]:
    """A tenant's own recording of a prompt (any PCM WAV; stored as 8 kHz mono 16-bit)."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Invalid("file_too_large", "a prompt file is at most 20 MB", field="file")
    seconds = _library(container).save_upload(actor.tenant_id, prompt_id, data)
    return {"id": prompt_id, "source": "tenant", "seconds": round(seconds, 2)}


@router.get("/ivr/prompts/{prompt_id}", response_class=FileResponse)
async def get_prompt(prompt_id: str, actor: Admin, container: ContainerDep) -> FileResponse:
    path = _library(container).path(actor.tenant_id, prompt_id)
    if path is None:
        raise NotFound("prompt_not_found", f"no prompt {prompt_id}", prompt_id=prompt_id)
    return FileResponse(path, media_type="audio/wav", filename=f"{prompt_id}.wav")


@router.delete("/ivr/prompts/{prompt_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_prompt(prompt_id: str, actor: Admin, container: ContainerDep) -> Response:
    """Remove the tenant's recording; the platform's default is heard again."""
    _library(container).delete_upload(actor.tenant_id, prompt_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- callback requests ----------------------------------------------------------------------


@router.get("/callbacks")
async def list_callbacks(
    actor: Leader, uow: UnitDep, status_: str | None = Query("open", alias="status")
) -> list[dict[str, Any]]:
    return [callbacks.as_dict(r) for r in await callbacks.list_callbacks(uow, status_ or None)]


@router.post("/callbacks/{callback_id}/done")
async def callback_done(
    callback_id: str, actor: Agent, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    done = await callbacks.finish_callback(uow, callback_id, actor.user_id, container.clock.now())
    return callbacks.as_dict(done)


@router.post("/callbacks/{callback_id}/dial", status_code=status.HTTP_201_CREATED)
async def callback_dial(callback_id: str, actor: Agent, uow: UnitDep, centers: Centers) -> dict[str, Any]:
    """The agent calls the customer back: a dial-out to the number the request left."""
    call_id = uuid.uuid4().hex
    request, _ = await callbacks.dial_callback(uow, centers, callback_id, actor.user_id, call_id)
    return {"call_id": call_id, "callback": callbacks.as_dict(request)}
