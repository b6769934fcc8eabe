"""The checks every change to a work order passes, and the one way a change is recorded.

Role (``ROLES``), state (``TRANSITIONS``, ``ACTIONS``) and responsibility (the first-contact
owner, the assignee, or a coordinator) are checked before anything changes, so a refused
request leaves the order as it was; a change that passes appends one timeline entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpline.domain.errors import Forbidden, Invalid, InvalidTransition
from helpline.domain.workorders.flow import (
    ACTIONS,
    ANY_AGENT,
    COORDINATORS,
    ROLES,
    TRANSITIONS,
    Actor,
    AssigneeKind,
    Role,
    TimelineEntry,
    WorkOrderRecord,
    WorkOrderState,
)


def required_text(value: str, name: str) -> str:
    """``value`` stripped; :class:`Invalid` when nothing is left (a comment, a reason, a reply)."""
    text = (value or "").strip()
    if not text:
        raise Invalid(f"{name}_required", f"{name} is required", fields=[name])
    return text


class GuardedOrder(WorkOrderRecord):
    """A work order's record with its guards; :class:`~helpline.domain.workorders.order.WorkOrder`
    adds the actions."""

    __slots__ = ()

    def _check_actor(self, action: str, actor: Actor) -> None:
        if actor.role not in ROLES[action]:
            raise Forbidden(
                "role_not_allowed",
                f"a {actor.role.value} may not {action} a work order",
                action=action,
                role=actor.role.value,
            )

    def _check_responsible(self, action: str, actor: Actor) -> None:
        if actor.role in COORDINATORS or (actor.role is Role.AGENT and action in ANY_AGENT):
            return
        if self.is_assignee(actor) or (actor.role is Role.AGENT and actor.id == self.first_owner_id):
            return
        raise Forbidden(
            "not_responsible",
            f"{actor.id} is neither the owner nor the assignee of this order",
            action=action,
            order_id=self.id,
        )

    def is_assignee(self, actor: Actor) -> bool:
        a = self.assignee
        if a is None:
            return False
        return a.id == (actor.id if a.kind is AssigneeKind.USER else actor.unit_id)

    def _target(self, action: str, actor: Actor) -> WorkOrderState:
        self._check_actor(action, actor)
        target = TRANSITIONS[action].get(self.state)
        if target is None:
            raise InvalidTransition(
                "invalid_workorder_transition",
                f"cannot {action} an order that is {self.state.value}",
                order_id=self.id,
                state=self.state.value,
                action=action,
            )
        self._check_responsible(action, actor)
        return target

    def check(self, action: str, actor: Actor) -> None:
        """Raise what ``action`` by ``actor`` would raise for role, state or responsibility,
        changing nothing (the UI asks it to enable buttons; routing asks before submitting)."""
        if action in TRANSITIONS:
            self._target(action, actor)
        else:
            self._allow(action, actor)

    def _allow(self, action: str, actor: Actor) -> None:
        self._check_actor(action, actor)
        if self.state not in ACTIONS[action]:
            raise InvalidTransition(
                "invalid_workorder_transition",
                f"cannot {action} an order that is {self.state.value}",
                order_id=self.id,
                state=self.state.value,
                action=action,
            )
        self._check_responsible(action, actor)

    def _record(
        self,
        action: str,
        actor: Actor,
        now: float,
        old: WorkOrderState,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self.timeline.append(
            TimelineEntry(
                len(self.timeline) + 1,
                now,
                action,
                actor.id,
                actor.role.value,
                old.value,
                self.state.value,
                dict(detail or {}),
            )
        )
        self.updated_at = now

    def _base(self, now: float, actor: Actor) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "at": now,
            "order_id": self.id,
            "number": self.number,
            "by": actor.id,
        }

    def _move(
        self,
        action: str,
        actor: Actor,
        now: float,
        target: WorkOrderState,
        detail: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        old = self.state
        self.state = target
        self._record(action, actor, now, old, detail)
        return {**self._base(now, actor), "old_state": old.value, "new_state": target.value}
