"""Who a work-order or SLA event concerns, so the live stream can show it to them.

The domain's events name the order, not the people around it. Before they are published
they are wrapped in the domain's ``Addressed`` (:mod:`helpline.domain.workorders.notices`),
which adds the order's first-contact owner, its assignee, and the users who should see it
(owner, assignee, the handlers and head of an assigned unit, and whoever held it before a
transfer). ``web/api/events_ws.visible`` shows an event to an agent who is among them;
leaders and up see the whole tenant anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.workorders import UnitMember, UnitRow, WorkOrderRow
from helpline.domain.events import Event
from helpline.domain.workorders import events as ev
from helpline.domain.workorders.notices import Addressed


def _order_id(event: Event) -> str | None:
    if isinstance(event, ev.WorkOrderEvent | ev.SlaEvent):
        return event.order_id
    return None


async def _unit_people(session: AsyncSession, tenant_id: str, unit_ids: set[str]) -> dict[str, set[str]]:
    people: dict[str, set[str]] = {u: set() for u in unit_ids}
    if not unit_ids:
        return people
    rows = await session.execute(
        select(UnitMember.unit_id, UnitMember.user_id).where(
            UnitMember.tenant_id == tenant_id, UnitMember.unit_id.in_(unit_ids)
        )
    )
    for unit_id, user_id in rows.all():
        people[unit_id].add(user_id)
    heads = await session.execute(
        select(UnitRow.id, UnitRow.head_user_id).where(
            UnitRow.tenant_id == tenant_id, UnitRow.id.in_(unit_ids)
        )
    )
    for unit_id, head in heads.all():
        if head:
            people[unit_id].add(head)
    return people


def _extra(event: Event) -> set[str | None]:
    """People an event names beyond the order's current owner and assignee."""
    found: set[str | None] = {getattr(event, "by", None)}
    if isinstance(event, ev.WorkOrderAssigned) and event.previous_kind == "user":
        found.add(event.previous_id)
    if isinstance(event, ev.WorkOrderReturned) and event.assignee_kind == "user":
        found.add(event.assignee_id)
    return found


async def address(session: AsyncSession, events: Sequence[Event]) -> list[Event]:
    """Wrap every work-order and SLA event with its audience (others pass unchanged)."""
    out: list[Event] = []
    by_tenant: dict[str, set[str]] = {}
    for event in events:
        order_id = _order_id(event)
        if order_id:
            by_tenant.setdefault(event.tenant_id, set()).add(order_id)
    rows: dict[tuple[str, str], WorkOrderRow] = {}
    units: dict[str, dict[str, set[str]]] = {}
    for tenant_id, ids in by_tenant.items():
        found = (
            await session.scalars(
                select(WorkOrderRow).where(WorkOrderRow.tenant_id == tenant_id, WorkOrderRow.id.in_(ids))
            )
        ).all()
        rows.update({(tenant_id, r.id): r for r in found})
        unit_ids = {r.assignee_id for r in found if r.assignee_kind == "unit" and r.assignee_id}
        units[tenant_id] = await _unit_people(session, tenant_id, unit_ids)
    for event in events:
        order_id = _order_id(event)
        row = rows.get((event.tenant_id, order_id)) if order_id else None
        if order_id is None:
            out.append(event)
            continue
        people = _extra(event)
        owner = row.first_owner_id if row else None
        assignee = row.assignee_id if row else None
        people.add(owner)
        if row is not None and row.assignee_kind == "unit" and assignee:
            people |= set(units[event.tenant_id].get(assignee, ()))
        else:
            people.add(assignee)
        audience = tuple(sorted(p for p in people if p and p != "system"))
        out.append(
            Addressed(
                tenant_id=event.tenant_id,
                at=event.at,
                event=event,
                owner_id=owner,
                assignee_id=assignee,
                audience=audience,
            )
        )
    return out
