"""The vocabulary and tables of the work-order flow (工单流转): states, roles, actors,
assignees, which action is allowed in which state and for whom, and the order's record
(its fields and read side).

Kept apart from :mod:`helpline.domain.workorders.order` (the changes an order goes through) so
that the tables can be read, documented (docs/workorders.md) and tested on their own, and
so that each module stays small. :mod:`helpline.domain.workorders.order` re-exports every public
name; import from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from helpline.domain.workorders.classification import Category
from helpline.domain.workorders.content import AnswerMode, Basis, Priority, compose_title


class WorkOrderState(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交, with the first-contact owner
    ASSIGNED = "assigned"  # 已转办/已派单, waiting to be signed for
    ACCEPTED = "accepted"  # 已签收
    RETURNED = "returned"  # 已退单, back at the center for reassignment
    IN_PROGRESS = "in_progress"  # 办理中
    REPLIED = "replied"  # 已答复/已反馈
    CLOSED = "closed"  # 已办结
    VISITED = "visited"  # 已回访
    REOPENED = "reopened"  # 重办
    MERGED = "merged"  # 已合并 into another order (重复件)


class Role(StrEnum):
    AGENT = "agent"  # 坐席
    LEADER = "leader"  # 值班长
    SUPERVISOR = "supervisor"  # 主管
    ADMIN = "admin"  # 管理员
    DEPARTMENT = "department"  # 承办单位 handler
    SYSTEM = "system"  # automatic routing


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB_CHAT = "web_chat"
    SMS = "sms"
    MISSED_CALL = "missed_call"


S = WorkOrderState
_REASSIGNABLE = (S.SUBMITTED, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED, S.REPLIED, S.REOPENED)
TRANSITIONS: dict[str, dict[WorkOrderState, WorkOrderState]] = {
    "submit": {S.DRAFT: S.SUBMITTED},
    "assign": {s: S.ASSIGNED for s in _REASSIGNABLE},
    "accept": {S.ASSIGNED: S.ACCEPTED},
    "return": {S.ASSIGNED: S.RETURNED, S.ACCEPTED: S.RETURNED, S.IN_PROGRESS: S.RETURNED},
    "start": {S.ACCEPTED: S.IN_PROGRESS},
    "reply": {S.SUBMITTED: S.REPLIED, S.ACCEPTED: S.REPLIED, S.IN_PROGRESS: S.REPLIED},
    "close": {S.SUBMITTED: S.CLOSED, S.REPLIED: S.CLOSED},
    "visit": {S.CLOSED: S.VISITED},
    "reopen": {S.VISITED: S.REOPENED},
    "merge": {s: S.MERGED for s in (S.DRAFT, *_REASSIGNABLE)},
}
"""action -> {from state: to state}."""
OPEN_STATES = frozenset(WorkOrderState) - {S.CLOSED, S.VISITED, S.MERGED}
ACTIONS: dict[str, frozenset[WorkOrderState]] = {
    "edit": OPEN_STATES,
    "claim": OPEN_STATES,  # take a system-opened order (e-mail, missed call): 首问 starts here
    "call_ended": frozenset(WorkOrderState) - {S.MERGED},
    "supervise": OPEN_STATES - {S.DRAFT},
    "comment": frozenset(WorkOrderState) - {S.MERGED},
    "attach": frozenset(WorkOrderState) - {S.MERGED},
    "absorb": frozenset(WorkOrderState) - {S.MERGED, S.DRAFT},  # be the target of a merge
}
"""Changes that do not move the state -> the states they are allowed in."""
HOLDING = frozenset({S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS})
"""States in which the order has an assignee."""
del S

R = Role
_CENTER = frozenset({R.AGENT, R.LEADER, R.SUPERVISOR, R.ADMIN})
_HANDLERS = frozenset({R.LEADER, R.DEPARTMENT, R.SUPERVISOR, R.ADMIN})
ROLES: dict[str, frozenset[Role]] = {
    "submit": _CENTER,
    "assign": _CENTER | {R.SYSTEM},
    "accept": _HANDLERS,
    "return": _HANDLERS,
    "start": _HANDLERS | {R.AGENT},
    "reply": _HANDLERS | {R.AGENT},
    "close": _CENTER,
    "visit": _CENTER,
    "reopen": frozenset({R.LEADER, R.SUPERVISOR, R.ADMIN}),
    "merge": _CENTER,
    "edit": _CENTER,
    "claim": _CENTER,
    "call_ended": frozenset(Role),
    "supervise": frozenset({R.LEADER, R.SUPERVISOR, R.ADMIN}),
    "comment": frozenset(Role) - {R.SYSTEM},
    "attach": frozenset(Role) - {R.SYSTEM},
    "absorb": _CENTER,
}
"""action -> roles that may take it. Agents and departments must also be responsible for the
order (its first-contact owner or current assignee); leaders and above coordinate any order
of their tenant (NORMS §4.8: unclear ownership goes to the shift leader)."""
COORDINATORS = frozenset({R.LEADER, R.SUPERVISOR, R.ADMIN, R.SYSTEM})
ANY_AGENT = frozenset({"visit", "absorb", "claim"})  # 回访 is often done by a different agent
del R

BAD_RATING_MAX = 2
"""Satisfaction scores run 1-5; a score at or below this is a bad rating that allows 重办."""


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: Role
    unit_id: str | None = None  # a department handler's unit


SYSTEM_ACTOR = Actor("system", Role.SYSTEM)


class AssigneeKind(StrEnum):
    USER = "user"
    UNIT = "unit"


@dataclass(frozen=True, slots=True)
class Assignee:
    kind: AssigneeKind
    id: str

    @classmethod
    def user(cls, user_id: str) -> Assignee:
        return cls(AssigneeKind.USER, user_id)

    @classmethod
    def unit(cls, unit_id: str) -> Assignee:
        return cls(AssigneeKind.UNIT, unit_id)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One change of the order: who, when, what (``detail`` is JSON-ready)."""

    seq: int
    at: float
    action: str
    actor_id: str
    actor_role: str
    old_state: str
    new_state: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    at: float
    author_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """Metadata only; the bytes live in a file store under ``storage_key``."""

    id: str
    name: str
    content_type: str = "application/octet-stream"
    size: int = 0
    storage_key: str = ""


def jsonable(value: object) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Basis):
        return value.as_dict()
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    return value


class WorkOrderRecord:
    """What a work order holds, and the read side of it. Every change goes through
    :class:`helpline.domain.workorders.order.WorkOrder`, which adds the flow to this record."""

    __slots__ = (
        "assignee",
        "attachments",
        "call_ended_at",
        "call_id",
        "cause",
        "channel",
        "closed_at",
        "comments",
        "created_at",
        "duplicate_ids",
        "first_owner_id",
        "id",
        "merged_into",
        "number",
        "reopen_count",
        "reply_text",
        "return_count",
        "satisfaction",
        "state",
        "submitted_at",
        "supervised",
        "tenant_id",
        "timeline",
        "updated_at",
        "values",
    )

    def __init__(
        self,
        order_id: str,
        tenant_id: str,
        number: str,
        *,
        first_owner_id: str | None,
        created_at: float,
        channel: Channel = Channel.PHONE,
        call_id: str | None = None,
        call_ended_at: float | None = None,
    ) -> None:
        self.id, self.tenant_id, self.number = order_id, tenant_id, number
        self.first_owner_id = first_owner_id
        self.channel, self.call_id, self.call_ended_at = channel, call_id, call_ended_at
        self.created_at = self.updated_at = created_at
        self.state = WorkOrderState.DRAFT
        self.values: dict[str, object] = {"priority": Priority.NORMAL, "urgent": False, "complex_case": False}
        self.assignee: Assignee | None = None
        self.supervised = False
        self.satisfaction: int | None = None
        self.merged_into: str | None = None
        self.duplicate_ids: list[str] = []
        self.reply_text, self.cause = "", ""
        self.submitted_at: float | None = None
        self.closed_at: float | None = None
        self.reopen_count = self.return_count = 0
        self.timeline: list[TimelineEntry] = []
        self.comments: list[Comment] = []
        self.attachments: list[Attachment] = []

    def __repr__(self) -> str:
        return f"WorkOrder({self.number!r}, {self.state.value})"

    # ---- reading ----------------------------------------------------------------------

    @property
    def category(self) -> Category | None:
        value = self.values.get("category")
        return value if isinstance(value, Category) else None

    @property
    def urgent(self) -> bool:
        return self.values.get("urgent") is True

    @property
    def complex_case(self) -> bool:
        return self.values.get("complex_case") is True

    @property
    def answer_mode(self) -> AnswerMode | None:
        value = self.values.get("answer_mode")
        return value if isinstance(value, AnswerMode) else None

    @property
    def unit_id(self) -> str | None:
        value = self.values.get("unit_id")
        return value if isinstance(value, str) else None

    @property
    def caller_number(self) -> str | None:
        value = self.values.get("caller_number")
        return value if isinstance(value, str) else None

    @property
    def title(self) -> str:
        return compose_title(
            str(self.values.get("location") or ""), str(self.values.get("summary") or ""), self.urgent
        )

    @property
    def duplicate_count(self) -> int:
        """How many orders were merged into this one (重复件 count)."""
        return len(self.duplicate_ids)

    @property
    def responsible_id(self) -> str | None:
        """Who answers for the order now: the assignee, else the first-contact owner."""
        return self.assignee.id if self.assignee else self.first_owner_id

    def can(self, action: str) -> bool:
        """True when the flow allows ``action`` in the current state (roles aside)."""
        allowed = TRANSITIONS.get(action) or ACTIONS.get(action) or {}
        return self.state in allowed

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "number": self.number,
            "state": self.state.value,
            "title": self.title,
            "channel": self.channel.value,
            "call_id": self.call_id,
            "first_owner_id": self.first_owner_id,
            "assignee": {"kind": self.assignee.kind.value, "id": self.assignee.id} if self.assignee else None,
            "values": {k: jsonable(v) for k, v in self.values.items()},
            "supervised": self.supervised,
            "satisfaction": self.satisfaction,
            "merged_into": self.merged_into,
            "duplicate_ids": list(self.duplicate_ids),
            "duplicate_count": self.duplicate_count,
            "reply": self.reply_text,
            "cause": self.cause,
            "reopen_count": self.reopen_count,
            "return_count": self.return_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "submitted_at": self.submitted_at,
            "closed_at": self.closed_at,
            "call_ended_at": self.call_ended_at,
        }
