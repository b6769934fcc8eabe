"""Who gets a submitted work order next (NORMS §4.6-4.7): the shift leader on duty for
complaint, help and urgent orders, else the responsible unit's head; others stay with their
first-contact owner."""

from __future__ import annotations

from collections.abc import Mapping

from helpline.domain.errors import Invalid
from helpline.domain.events import Event
from helpline.domain.floor.duty import DutyRoster
from helpline.domain.workorders.classification import SERIOUS
from helpline.domain.workorders.content import ContentRules, content_problems, refuse
from helpline.domain.workorders.flow import (
    SYSTEM_ACTOR,
    Actor,
    Assignee,
)
from helpline.domain.workorders.order import WorkOrder


def needs_leader(order: WorkOrder) -> bool:
    """Complaint, help and urgent orders go to the shift leader (NORMS §4.6-4.7)."""
    return order.category in SERIOUS or order.urgent


def route_for(
    order: WorkOrder, roster: DutyRoster, now: float, unit_heads: Mapping[str, str]
) -> Assignee | None:
    """Where a submitted order goes: the leader on duty for complaint/help/urgent orders;
    with nobody on duty, the head of the responsible unit (承办单位负责人). None: the order
    stays with its first-contact owner. Raises :class:`Invalid` when nobody can take it."""
    if not needs_leader(order):
        return None
    leader = roster.on_duty(now)
    if leader is not None:
        return Assignee.user(leader)
    head = unit_heads.get(order.unit_id) if order.unit_id else None
    if head:
        return Assignee.user(head)
    raise Invalid(
        "no_route",
        "no shift leader on duty and no responsible unit head; set the 承办单位",
        fields=["unit_id"],
    )


def submit_and_route(
    order: WorkOrder,
    actor: Actor,
    now: float,
    rules: ContentRules,
    roster: DutyRoster,
    unit_heads: Mapping[str, str],
) -> list[Event]:
    """Submit, then hand complaint/help/urgent orders on at once (urgent: 急件 goes to the
    leader immediately). The route is worked out before anything changes, so a refusal
    leaves the draft untouched."""
    order.check("submit", actor)
    problems = content_problems(order.values, rules)
    if problems:
        raise refuse(problems)
    to = route_for(order, roster, now, unit_heads)
    out: list[Event] = [order.submit(actor, now, rules)]
    if to is not None:
        note = "auto: urgent" if order.urgent else "auto: complaint/help"
        out.append(order.assign(SYSTEM_ACTOR, now, to, note=note))
    return out
