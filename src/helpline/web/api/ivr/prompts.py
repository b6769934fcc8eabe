"""A tenant prompt generated from text (the admin console's "generate"): the platform's TTS
engine speaks it and it is kept as the tenant's own recording of that prompt id, exactly as
an uploaded WAV would be (``PUT /ivr/prompts/{id}``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from helpline.app.ivr import prompt_tts
from helpline.web.api.acd.deps import Admin
from helpline.web.api.ivr.flows import _library
from helpline.web.deps import ContainerDep

router = APIRouter(prefix="/api/v1", tags=["ivr"])


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(default="", max_length=500, description="Chinese text, spoken first")
    en: str = Field(default="", max_length=500, description="English text, spoken after it")


@router.post("/ivr/prompts/{prompt_id}/generate")
async def generate_prompt(
    prompt_id: str, body: GenerateIn, actor: Admin, container: ContainerDep
) -> dict[str, Any]:
    seconds = await prompt_tts.generate(_library(container), actor.tenant_id, prompt_id, body.zh, body.en)
    return {"id": prompt_id, "source": "tenant", "seconds": round(seconds, 2)}
