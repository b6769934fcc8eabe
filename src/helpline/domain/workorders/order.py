"""Work orders (工单): the order, its flow, duplicates and the timeline.

The flow is one table (``TRANSITIONS`` in :mod:`helpline.domain.workorders.flow`): which action is
allowed in which state and where it leads; ``ROLES`` says which roles may take it, and
:mod:`helpline.domain.workorders.guard` checks both before any change. Who gets a submitted
order next is in :mod:`helpline.domain.workorders.routing`; content, comments and attachments
change through :mod:`helpline.domain.workorders.order_content`. Every successful change
appends exactly one :class:`TimelineEntry` and returns one typed event;
anything refused raises before a single attribute changes (:class:`InvalidTransition` for
the flow, :class:`Forbidden` for the actor, :class:`Invalid` for content), so a refused
request leaves the order as it was.

The first-contact owner (首问负责, NORMS §4.8) is fixed when the order opens and never
changes; the current assignee moves with every transfer (转办). What the order holds and
must hold is in :mod:`helpline.domain.workorders.content`. Times are float epoch seconds.
"""

from __future__ import annotations

from typing import Any

from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event
from helpline.domain.people.phone import normalize_phone
from helpline.domain.workorders import events as ev
from helpline.domain.workorders.classification import SERIOUS, Category
from helpline.domain.workorders.content import (
    AnswerMode,
    ContentRules,
    content_problems,
    refuse,
)
from helpline.domain.workorders.flow import (
    ACTIONS,
    BAD_RATING_MAX,
    HOLDING,
    OPEN_STATES,
    ROLES,
    SYSTEM_ACTOR,
    TRANSITIONS,
    Actor,
    Assignee,
    AssigneeKind,
    Attachment,
    Channel,
    Comment,
    Role,
    TimelineEntry,
    WorkOrderRecord,
    WorkOrderState,
)
from helpline.domain.workorders.guard import required_text
from helpline.domain.workorders.order_content import OrderContent

__all__ = [
    "ACTIONS",
    "BAD_RATING_MAX",
    "HOLDING",
    "OPEN_STATES",
    "ROLES",
    "SYSTEM_ACTOR",
    "TRANSITIONS",
    "Actor",
    "Assignee",
    "AssigneeKind",
    "Attachment",
    "Channel",
    "Comment",
    "Role",
    "TimelineEntry",
    "WorkOrder",
    "WorkOrderRecord",
    "WorkOrderState",
    "merge_duplicate",
]


class WorkOrder(OrderContent):
    """One work order. Construct with :meth:`open`; change only through the methods below,
    each of which checks role, state and responsibility before it touches anything."""

    __slots__ = ()

    @classmethod
    def open(
        cls,
        order_id: str,
        tenant_id: str,
        number: str,
        actor: Actor,
        now: float,
        *,
        channel: Channel = Channel.PHONE,
        call_id: str | None = None,
        caller_number: str | None = None,
        call_ended_at: float | None = None,
    ) -> tuple[WorkOrder, ev.WorkOrderCreated]:
        """A new draft whose first-contact owner is ``actor`` (NORMS §4.1, §4.8). Opened by
        the system (an e-mail, a missed call) it has no owner until an agent claims it
        (:meth:`claim`). A caller number that cannot be parsed (hidden, "anonymous") is kept
        raw on the timeline: the order is made whatever the caller ID says."""
        owner = None if actor.role is Role.SYSTEM else actor.id
        order = cls(
            order_id,
            tenant_id,
            number,
            first_owner_id=owner,
            created_at=now,
            channel=channel,
            call_id=call_id,
            call_ended_at=call_ended_at,
        )
        detail: dict[str, Any] = {"channel": channel.value, "call_id": call_id}
        if caller_number:
            try:
                order.values["caller_number"] = normalize_phone(caller_number)
            except Invalid:
                detail["caller_raw"] = caller_number
        order._record("open", actor, now, WorkOrderState.DRAFT, detail)
        return order, ev.WorkOrderCreated(
            **order._base(now, actor),
            channel=channel.value,
            first_owner_id=owner,
            call_id=call_id,
            caller_number=order.caller_number,
            call_ended_at=call_ended_at,
        )

    def claim(self, actor: Actor, now: float) -> ev.WorkOrderClaimed:
        """首问负责 for a system-opened order: the first person to take it owns it, for good."""
        self._allow("claim", actor)
        if self.first_owner_id is not None:
            raise InvalidTransition(
                "already_owned",
                f"{self.first_owner_id} already owns this order",
                order_id=self.id,
                first_owner_id=self.first_owner_id,
            )
        self.first_owner_id = actor.id
        self._record("claim", actor, now, self.state)
        return ev.WorkOrderClaimed(**self._base(now, actor), first_owner_id=actor.id)

    # ---- the flow -------------------------------------------------------------------------

    def submit(self, actor: Actor, now: float, rules: ContentRules) -> ev.WorkOrderSubmitted:
        """Check the required content (every problem at once) and leave the draft stage.
        On failure the draft stays a draft, with everything it holds."""
        target = self._target("submit", actor)
        problems = content_problems(self.values, rules)
        if problems:
            raise refuse(problems)
        self.submitted_at = now
        base = self._move("submit", actor, now, target)
        category = self.category
        assert category is not None
        mode = self.answer_mode
        return ev.WorkOrderSubmitted(
            **base,
            category=category.value,
            urgent=self.urgent,
            complex_case=self.complex_case,
            answer_mode=mode.value if mode else None,
            channel=self.channel.value,
            call_ended_at=self.call_ended_at,
            unit_id=self.unit_id,
        )

    def assign(self, actor: Actor, now: float, to: Assignee, note: str = "") -> ev.WorkOrderAssigned:
        """转办: hand the order to a user (shift leader, unit head) or a unit to sign for.
        Inquiries are answered by the center and are never pushed to a unit (NORMS §4.5)."""
        target = self._target("assign", actor)
        if not to.id:
            raise Invalid("assignee_required", "name who gets the order", fields=["assignee"])
        if to.kind is AssigneeKind.UNIT and self.category is Category.INQUIRY:
            raise InvalidTransition(
                "inquiry_not_transferable",
                "inquiries are answered by the center, not pushed to a unit",
                order_id=self.id,
            )
        if self.state is WorkOrderState.ASSIGNED and self.assignee == to:
            raise InvalidTransition(
                "already_assigned", "the order is already assigned there", order_id=self.id
            )
        previous, self.assignee = self.assignee, to
        base = self._move("assign", actor, now, target, {"kind": to.kind.value, "id": to.id, "note": note})
        return ev.WorkOrderAssigned(
            **base,
            assignee_kind=to.kind.value,
            assignee_id=to.id,
            previous_kind=previous.kind.value if previous else None,
            previous_id=previous.id if previous else None,
            note=note,
        )

    def accept(self, actor: Actor, now: float) -> ev.WorkOrderAccepted:
        """签收: the assignee takes the order on."""
        target = self._target("accept", actor)
        assert self.assignee is not None
        base = self._move("accept", actor, now, target)
        return ev.WorkOrderAccepted(
            **base, assignee_kind=self.assignee.kind.value, assignee_id=self.assignee.id
        )

    def return_order(self, actor: Actor, now: float, reason: str) -> ev.WorkOrderReturned:
        """退单: the assignee sends the order back, with a reason, for reassignment."""
        target = self._target("return", actor)
        why = required_text(reason, "reason")
        assert self.assignee is not None
        previous, self.assignee = self.assignee, None
        self.return_count += 1
        base = self._move("return", actor, now, target, {"reason": why, "from": previous.id})
        return ev.WorkOrderReturned(
            **base, reason=why, assignee_kind=previous.kind.value, assignee_id=previous.id
        )

    def start(self, actor: Actor, now: float) -> ev.WorkOrderStarted:
        return ev.WorkOrderStarted(**self._move("start", actor, now, self._target("start", actor)))

    def reply(self, actor: Actor, now: float, text: str, *, cause: str = "") -> ev.WorkOrderReplied:
        """答复/反馈: the answer or result, with its cause, so solved cases can feed the
        knowledge base (NORMS §4.11). For an inquiry answered by callback this records it."""
        target = self._target("reply", actor)
        answer = required_text(text, "text")
        self.reply_text, self.cause = answer, cause.strip()
        base = self._move("reply", actor, now, target, {"text": answer, "cause": self.cause})
        a = self.assignee
        return ev.WorkOrderReplied(
            **base, text=answer, assignee_kind=a.kind.value if a else None, assignee_id=a.id if a else None
        )

    def close(self, actor: Actor, now: float, note: str = "") -> ev.WorkOrderClosed:
        """办结. Straight from submission only when the center solved it at first contact: an
        agent cannot close a complaint, help or urgent order that the leader has not seen,
        and an inquiry promised a callback closes only after the callback is recorded."""
        target = self._target("close", actor)
        if self.state is WorkOrderState.SUBMITTED:
            if actor.role is Role.AGENT and (self.category in SERIOUS or self.urgent):
                raise InvalidTransition(
                    "must_go_to_leader",
                    "complaint, help and urgent orders go to the shift leader",
                    order_id=self.id,
                )
            if self.category is Category.INQUIRY and self.answer_mode is AnswerMode.CALLBACK:
                raise InvalidTransition(
                    "callback_not_recorded", "record the callback's answer first", order_id=self.id
                )
        self.closed_at = now
        return ev.WorkOrderClosed(**self._move("close", actor, now, target, {"note": note}))

    def visit(self, actor: Actor, now: float, score: int, note: str = "") -> ev.WorkOrderVisited:
        """回访: the customer rates the outcome from 1 (very dissatisfied) to 5."""
        target = self._target("visit", actor)
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise Invalid("invalid_score", "satisfaction scores run from 1 to 5", fields=["score"])
        self.satisfaction = score
        satisfied = score > BAD_RATING_MAX
        base = self._move("visit", actor, now, target, {"score": score, "satisfied": satisfied, "note": note})
        return ev.WorkOrderVisited(**base, score=score, satisfied=satisfied)

    def reopen(self, actor: Actor, now: float, reason: str) -> ev.WorkOrderReopened:
        """重办 after a bad rating: the order goes back to the center for reassignment."""
        target = self._target("reopen", actor)
        if self.satisfaction is None or self.satisfaction > BAD_RATING_MAX:
            raise InvalidTransition(
                "reopen_needs_bad_rating",
                "only a badly rated order is reopened",
                order_id=self.id,
                score=self.satisfaction,
            )
        why = required_text(reason, "reason")
        score, self.satisfaction, self.assignee = self.satisfaction, None, None
        self.reopen_count += 1
        base = self._move("reopen", actor, now, target, {"reason": why, "score": score})
        category = self.category
        return ev.WorkOrderReopened(
            **base,
            reason=why,
            reopen_count=self.reopen_count,
            category=category.value if category else "",
            complex_case=self.complex_case,
        )

    def merge_into(self, into: WorkOrder, actor: Actor, now: float) -> list[Event]:
        """重复件: this order reports what ``into`` already holds. Both keep their own timelines
        (each gets one entry naming the other); ``into`` counts this order and any it carried."""
        if into is self or into.id == self.id:
            raise Invalid("merge_into_itself", "an order cannot be merged into itself", fields=["into"])
        if into.tenant_id != self.tenant_id:
            raise NotFound("work_order_not_found", f"no order {into.id}", order_id=into.id)
        target = self._target("merge", actor)
        into._allow("absorb", actor)
        carried = [self.id, *self.duplicate_ids]
        base = self._move("merge", actor, now, target, {"into": into.id, "into_number": into.number})
        self.merged_into = into.id
        into.duplicate_ids.extend(carried)
        into._record("absorb", actor, now, into.state, {"duplicate": self.id, "carried": carried})
        return [
            ev.WorkOrderMerged(**base, into_order_id=into.id, into_number=into.number),
            ev.WorkOrderDuplicateAdded(
                **into._base(now, actor),
                duplicate_order_id=self.id,
                duplicate_number=self.number,
                duplicate_count=into.duplicate_count,
            ),
        ]


def merge_duplicate(duplicate: WorkOrder, into: WorkOrder, actor: Actor, now: float) -> list[Event]:
    """Merge ``duplicate`` into ``into`` (see :meth:`WorkOrder.merge_into`)."""
    return duplicate.merge_into(into, actor, now)
