"""Who a work-order or SLA event concerns, so the live stream can show it to them.

The domain's events name the order, not the people around it. Before they are published
they are wrapped in the domain's ``Addressed`` (:mod:`helpline.domain.workorders.notices`),
which adds the order's first-contact owner, its assignee, and the users who should see it
(owner, assignee, the handlers and head of an assigned unit, and whoever held it before a
transfer). ``web/api/events_ws.visible`` shows an event to an agent who is among them;
leaders and up see the whole tenant anyway.

An :class:`Audience` is read before it is used: a use case reads it in its transaction (of
the orders it holds, so only units cost a statement) and addresses the orders' events and,
after the commit, their clocks' with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from helpline.app.workorders.ports import WorkOrdersUnit
from helpline.domain.events import Event
from helpline.domain.workorders import events as ev
from helpline.domain.workorders.notices import Addressed
from helpline.domain.workorders.order import AssigneeKind, WorkOrder
from helpline.domain.workorders.records import Holders


@dataclass(frozen=True)
class Audience:
    """The holders of some orders of one tenant, and the people of the units among them."""

    holders: Mapping[str, Holders]
    units: Mapping[str, set[str]] = field(default_factory=dict)


def _order_id(event: Event) -> str | None:
    if isinstance(event, ev.WorkOrderEvent | ev.SlaEvent):
        return event.order_id
    return None


def holders_of(order: WorkOrder) -> Holders:
    held = order.assignee
    return Holders(order.first_owner_id, held.kind.value if held else None, held.id if held else None)


async def audience(
    uow: WorkOrdersUnit, orders: Iterable[WorkOrder] = (), order_ids: Iterable[str] = ()
) -> Audience:
    """The audience of ``orders`` (in hand) and of ``order_ids`` (read)."""
    holders = {order.id: holders_of(order) for order in orders}
    missing = [order_id for order_id in order_ids if order_id not in holders]
    if missing:
        holders |= await uow.workorders.holders(missing)
    unit_ids = {h.assignee_id for h in holders.values() if h.assignee_kind == AssigneeKind.UNIT.value}
    units = await uow.workorder_config.unit_people({u for u in unit_ids if u}) if unit_ids else {}
    return Audience(holders, units)


def order_ids(events: Iterable[Event]) -> set[str]:
    return {order_id for event in events if (order_id := _order_id(event))}


def _extra(event: Event) -> set[str | None]:
    """People an event names beyond the order's current owner and assignee."""
    found: set[str | None] = {getattr(event, "by", None)}
    if isinstance(event, ev.WorkOrderAssigned) and event.previous_kind == "user":
        found.add(event.previous_id)
    if isinstance(event, ev.WorkOrderReturned) and event.assignee_kind == "user":
        found.add(event.assignee_id)
    return found


def address(audience: Audience, events: Sequence[Event]) -> list[Event]:
    """Wrap every work-order and SLA event with its audience (others pass unchanged)."""
    out: list[Event] = []
    for event in events:
        order_id = _order_id(event)
        if order_id is None:
            out.append(event)
            continue
        held = audience.holders.get(order_id)
        people = _extra(event)
        owner = held.owner_id if held else None
        assignee = held.assignee_id if held else None
        people.add(owner)
        if held is not None and held.assignee_kind == "unit" and assignee:
            people |= set(audience.units.get(assignee, ()))
        else:
            people.add(assignee)
        out.append(
            Addressed(
                tenant_id=event.tenant_id,
                at=event.at,
                event=event,
                owner_id=owner,
                assignee_id=assignee,
                audience=tuple(sorted(p for p in people if p and p != "system")),
            )
        )
    return out
