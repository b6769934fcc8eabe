"""``GET /api/v1/meta``: the fixed enumerations the screens offer, each value with its names.

The values are read from the domain's enumerations, so a screen's select (a queue's strategy,
a user's role, ...) never lists a value the server would refuse, nor misses a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, Field

from helpline.domain import labels as names
from helpline.domain.acd.agent import AgentState, WorkMode
from helpline.domain.acd.queue import AfterWrapUp, ExitAction, Strategy
from helpline.domain.people.accounts import ROLES
from helpline.domain.workorders.classification import Category
from helpline.domain.workorders.content import AnswerMode, FieldType, Priority
from helpline.domain.workorders.flow import Channel, Role, WorkOrderState
from helpline.web.deps import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["meta"])

E = TypeVar("E", bound=Enum)


class Choice(BaseModel):
    value: str | int = Field(description="what the API takes and returns")
    labels: dict[str, str] = Field(description="the value's name per UI language (zh-CN, en)")


class Meta(BaseModel):
    languages: list[str]
    queue_strategies: list[Choice]
    exit_actions: list[Choice]
    after_wrapup: list[Choice]
    agent_states: list[Choice]
    work_modes: list[Choice]
    workorder_states: list[Choice]
    workorder_categories: list[Choice]
    workorder_priorities: list[Choice]
    workorder_channels: list[Choice]
    answer_modes: list[Choice]
    workorder_field_types: list[Choice] = Field(description="the types of a custom work-order field")
    roles: list[Choice] = Field(description="the roles of a user account, lowest first")


def choices(enum: type[E], labelled: Mapping[E, names.Names]) -> list[Choice]:
    """Every member of ``enum`` in its declared order, by the value the API speaks."""
    return [Choice(value=member.value, labels=names.labels(labelled, member)) for member in enum]


def build_meta() -> Meta:
    """The whole document; it depends on nothing but the code, so every user gets the same."""
    return Meta(
        languages=list(names.LANGUAGES),
        queue_strategies=choices(Strategy, names.STRATEGIES),
        exit_actions=choices(ExitAction, names.EXIT_ACTIONS),
        after_wrapup=choices(AfterWrapUp, names.AFTER_WRAPUP),
        agent_states=choices(AgentState, names.AGENT_STATES),
        work_modes=choices(WorkMode, names.WORK_MODES),
        workorder_states=choices(WorkOrderState, names.WORKORDER_STATES),
        workorder_categories=choices(Category, names.CATEGORIES),
        workorder_priorities=choices(Priority, names.PRIORITIES),
        workorder_channels=choices(Channel, names.CHANNELS),
        answer_modes=choices(AnswerMode, names.ANSWER_MODES),
        workorder_field_types=choices(FieldType, names.FIELD_TYPES),
        roles=[Choice(value=role, labels=names.labels(names.ROLES, Role(role))) for role in ROLES],
    )


@router.get("/meta", response_model=Meta)
async def get_meta(user: CurrentUser) -> Meta:
    """Any signed-in user: the screens build their selects and names from this."""
    return build_meta()
