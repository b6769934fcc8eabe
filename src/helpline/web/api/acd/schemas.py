"""Request and response models of the ACD API (agents, queues, calls).

The allowed values of a choice (a queue's strategy, an agent's work mode, ...) are read from the
domain's enumerations, so they are listed once; they still reach pydantic as a ``Literal``, so
the OpenAPI document and the validation errors are those of a ``Literal`` written out by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from helpline.domain.acd import agent, queue, supervision
from helpline.web.api.choices import one_of

if TYPE_CHECKING:  # mypy cannot read a Literal built at run time; to it they are strings
    Strategy: TypeAlias = str
    ExitAction: TypeAlias = str
    AfterWrapUp: TypeAlias = str
    WorkMode: TypeAlias = str
    SupervisorMode: TypeAlias = str
else:
    Strategy = one_of(queue.Strategy)
    ExitAction = one_of(queue.ExitAction)
    AfterWrapUp = one_of(queue.AfterWrapUp)
    WorkMode = one_of(agent.WorkMode)
    SupervisorMode = one_of(supervision.SUPERVISOR_MODES)

SkillLevels = dict[str, int]


class OverflowStepIn(BaseModel):
    after: float = Field(ge=0)
    max_penalty: int | None = Field(default=None, ge=0)
    drop_skills: tuple[str, ...] = ()
    to_queue_id: str | None = None


class QueueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    strategy: Strategy | None = None
    required_skills: SkillLevels | None = None
    sl_target: float | None = Field(default=None, gt=0, le=1)
    sl_seconds: float | None = Field(default=None, gt=0)
    max_length: int | None = Field(default=None, ge=1)
    max_wait: float | None = Field(default=None, gt=0)
    exit_action: ExitAction | None = None
    exit_queue_id: str | None = None
    ring_timeout: float | None = Field(default=None, gt=0)
    wrapup_seconds: float | None = Field(default=None, ge=0)
    after_wrapup: AfterWrapUp | None = None
    aging_per_minute: float | None = Field(default=None, ge=0)
    weight: int | None = None
    overflow: list[OverflowStepIn] | None = None

    def values(self) -> dict[str, Any]:
        data = self.model_dump(exclude_unset=True)
        if "overflow" in data and data["overflow"] is not None:
            data["overflow"] = [
                s.model_dump() | {"drop_skills": list(s.drop_skills)} for s in self.overflow or []
            ]
        return data


class QueueCreate(QueueIn):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


class QueueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    strategy: str
    required_skills: SkillLevels
    sl_target: float
    sl_seconds: float
    max_length: int | None
    max_wait: float | None
    exit_action: str
    exit_queue_id: str | None
    ring_timeout: float
    wrapup_seconds: float
    after_wrapup: str
    aging_per_minute: float
    weight: int
    overflow: list[dict[str, Any]]


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extension: str | None = Field(default=None, max_length=32)
    skills: SkillLevels | None = None
    queues: dict[str, int] | None = None
    work_mode: WorkMode | None = None


class AgentCreate(AgentIn):
    user_id: str


class NotReadyIn(BaseModel):
    reason: str = Field(min_length=1, max_length=64)


class SkillIn(BaseModel):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-\u4e00-\u9fff]+$")
    name: str = ""
    description: str = ""


class ReasonsIn(BaseModel):
    reasons: list[str] = Field(min_length=1)


class TransferIn(BaseModel):
    to_queue_id: str | None = None
    to_agent_id: str | None = None
    to_number: str | None = None


class ConsultIn(BaseModel):
    to_agent_id: str | None = None
    to_number: str | None = None


class DialIn(BaseModel):
    """外拨 to ``number``, or 内呼 to a colleague (``to_agent_id``): exactly one of them."""

    number: str | None = Field(None, min_length=1, max_length=64)
    to_agent_id: str | None = Field(None, min_length=1, max_length=64)


class MonitorIn(BaseModel):
    mode: SupervisorMode


class TestCallIn(BaseModel):
    queue_id: str
    caller: str = Field(default="10086", max_length=64)
    callee: str = Field(default="12345", max_length=64)
    priority: int = Field(default=0, ge=0, le=100)
    skills: SkillLevels | None = None
    ivr: dict[str, Any] = Field(default_factory=dict)


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5)
