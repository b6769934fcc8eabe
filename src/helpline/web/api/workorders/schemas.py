"""Request models of the work-order API. Content values are a free mapping on purpose: the
domain checks them (and custom fields per tenant) and names every offending field at once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateIn(_In):
    channel: Literal["phone", "email", "missed_call", "web_chat", "sms"] = "phone"
    call_id: str | None = None
    caller_number: str | None = Field(default=None, max_length=64)
    parent_id: str | None = None
    values: dict[str, Any] | None = None


class AssignIn(_In):
    kind: Literal["user", "unit", "leader"]
    id: str | None = None
    note: str = Field(default="", max_length=2000)


class ReasonIn(_In):
    reason: str = Field(max_length=2000)


class ReplyIn(_In):
    text: str = Field(max_length=8000)
    cause: str = Field(default="", max_length=4000)


class NoteIn(_In):
    note: str = Field(default="", max_length=2000)


class VisitIn(_In):
    score: int
    note: str = Field(default="", max_length=2000)


class OrderSuperviseIn(_In):
    on: bool = True
    note: str = Field(default="", max_length=2000)


class CommentIn(_In):
    text: str = Field(max_length=8000)


class MergeIn(_In):
    into: str = Field(description="the id or number of the order this one duplicates")


class PromiseIn(_In):
    due: datetime
    note: str = Field(default="", max_length=2000)


# ---- configuration -------------------------------------------------------------------------


class UnitIn(_In):
    name: str | None = Field(default=None, max_length=200)
    head_user_id: str | None = None
    calendar: dict[str, Any] | None = None
    deadline_hours: float | None = None


class MembersIn(_In):
    user_ids: list[str]


class ShiftIn(_In):
    leader_id: str
    hours: str = Field(description='"08:00-20:00"; an end before the start crosses midnight')
    weekdays: list[int] | None = Field(default=None, description="0 = Monday; empty: every day")
    day: date | None = None


class ReasonNodeIn(_In):
    code: str = Field(min_length=1, max_length=64)
    label: str = Field(default="", max_length=200)
    parent: str | None = None
    categories: list[str] = []


class ReasonTreeIn(_In):
    nodes: list[ReasonNodeIn]


class FieldIn(_In):
    label: str | None = Field(default=None, max_length=200)
    type: Literal["text", "number", "date", "choice", "tree_choice"] | None = None
    required_for: list[str] | None = None
    options: list[str] | None = None
    tree: list[dict[str, Any]] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = Field(default=None, ge=1, le=4000)
    leaf_only: bool | None = None
    position: int | None = None


class SettingsIn(_In):
    required: dict[str, list[str]] | None = None
    min_summary: int | None = Field(default=None, ge=0, le=200)
    require_answer_mode: bool | None = None
    number_prefix: str | None = Field(default=None, pattern=r"^([A-Z][A-Z0-9]{0,7})?$")
    missed_call_orders: bool | None = None
    sla: dict[str, Any] | None = Field(
        default=None,
        description='{"spans": {kind: seconds}, "warn": {"fraction", "before"}, '
        '"warn_by_kind": {...}, "calendar": {...} | null}',
    )
