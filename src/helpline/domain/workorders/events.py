"""Typed, frozen records of what happens to work orders (topic ``workorder``) and to their
SLA clocks (topic ``sla``).

Every successful change of an order returns exactly one of these (a merge returns one per
order) and appends one timeline entry, so the event stream and the timeline tell the same
story. Flow changes subclass :class:`WorkOrderTransition` and carry the old and new state;
:mod:`helpline.domain.workorders.sla` reads them to start, pause and meet clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from helpline.domain.events import Event

# ---- work orders ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderEvent(Event):
    topic: ClassVar[str] = "workorder"
    order_id: str
    number: str
    by: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderCreated(WorkOrderEvent):
    """A draft exists (NORMS §4.1: every call makes one). ``call_ended_at`` is set when the
    order is opened after its call ended (or for a missed call, when it was missed)."""

    channel: str
    first_owner_id: str | None
    call_id: str | None = None
    caller_number: str | None = None
    call_ended_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderClaimed(WorkOrderEvent):
    """An agent took an order the system opened; they are its first-contact owner from now on."""

    first_owner_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderCallEnded(WorkOrderEvent):
    """The order's call hung up: the 15-minute completion clock starts here."""

    call_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderEdited(WorkOrderEvent):
    fields: tuple[str, ...]
    state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderSupervised(WorkOrderEvent):
    """督办 set or cleared."""

    supervised: bool
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderCommented(WorkOrderEvent):
    comment_id: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderAttachmentAdded(WorkOrderEvent):
    attachment_id: str
    name: str
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderDuplicateAdded(WorkOrderEvent):
    """A duplicate (重复件) was merged into this order; ``duplicate_count`` is the new total."""

    duplicate_order_id: str
    duplicate_number: str
    duplicate_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderTransition(WorkOrderEvent):
    """A move in the flow (see ``TRANSITIONS`` in :mod:`helpline.domain.workorders.order`)."""

    old_state: str
    new_state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderSubmitted(WorkOrderTransition):
    category: str
    urgent: bool
    complex_case: bool
    answer_mode: str | None
    channel: str
    call_ended_at: float | None = None
    unit_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderAssigned(WorkOrderTransition):
    """转办 / 派单: to a user (the shift leader, a unit head) or to a unit (承办单位)."""

    assignee_kind: str
    assignee_id: str
    previous_kind: str | None = None
    previous_id: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderAccepted(WorkOrderTransition):
    """签收."""

    assignee_kind: str
    assignee_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderReturned(WorkOrderTransition):
    """退单, with the reason; the order goes back to the center for reassignment."""

    reason: str
    assignee_kind: str
    assignee_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderStarted(WorkOrderTransition):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderReplied(WorkOrderTransition):
    """答复 / 反馈: the answer (an inquiry's callback) or the handling unit's result."""

    text: str
    assignee_kind: str | None = None
    assignee_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderClosed(WorkOrderTransition):
    """办结."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderVisited(WorkOrderTransition):
    """回访 with the customer's satisfaction score (1-5)."""

    score: int
    satisfied: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderReopened(WorkOrderTransition):
    """重办 after a bad rating."""

    reason: str
    reopen_count: int
    category: str
    complex_case: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderMerged(WorkOrderTransition):
    """This order was a duplicate (重复件) and now lives on in ``into_order_id``."""

    into_order_id: str
    into_number: str


# ---- SLA clocks -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaEvent(Event):
    """``due`` is the deadline as it stands; ``order_id`` is None for clocks of no order."""

    topic: ClassVar[str] = "sla"
    clock_id: str
    kind: str
    order_id: str | None
    due: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaStarted(SlaEvent):
    start: float
    warn_at: float | None
    unit_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaWarning(SlaEvent):
    """The deadline is near (NORMS §4.9: the system warns before it runs out)."""

    remaining: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaBreached(SlaEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaMet(SlaEvent):
    """The clock stopped because its work was done; ``late`` after a breach. ``elapsed`` is
    in business seconds, pauses excluded."""

    late: bool
    elapsed: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaPaused(SlaEvent):
    remaining: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaResumed(SlaEvent):
    remaining: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaCancelled(SlaEvent):
    pass


WORKORDER_EVENTS: tuple[type[WorkOrderEvent], ...] = (
    WorkOrderCreated,
    WorkOrderClaimed,
    WorkOrderCallEnded,
    WorkOrderEdited,
    WorkOrderSupervised,
    WorkOrderCommented,
    WorkOrderAttachmentAdded,
    WorkOrderDuplicateAdded,
    WorkOrderSubmitted,
    WorkOrderAssigned,
    WorkOrderAccepted,
    WorkOrderReturned,
    WorkOrderStarted,
    WorkOrderReplied,
    WorkOrderClosed,
    WorkOrderVisited,
    WorkOrderReopened,
    WorkOrderMerged,
)
SLA_EVENTS: tuple[type[SlaEvent], ...] = (
    SlaStarted,
    SlaWarning,
    SlaBreached,
    SlaMet,
    SlaPaused,
    SlaResumed,
    SlaCancelled,
)
