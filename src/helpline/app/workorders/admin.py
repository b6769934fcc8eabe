"""Saving the work-order configuration of a tenant: units and their handlers, the duty
roster, the reason-code tree, custom fields and the settings (see :mod:`helpline.app.workorders.config`
for what they mean). Every save builds the domain object from the new values first, so a
value the domain would refuse later is refused now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.people import Tenant
from helpline.adapters.db.tables.workorders import (
    CustomFieldRow,
    DutyShiftRow,
    ReasonCodeRow,
    UnitMember,
    UnitRow,
)
from helpline.app.workorders.config import (
    SETTINGS_KEY,
    calendar_from,
    check_user,
    code_tree,
    field_def,
    field_rows,
    get_unit,
    policy_from,
    rules_from,
    shift_of,
)
from helpline.domain.errors import Invalid, NotFound


async def save_settings(session: AsyncSession, tenant_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``values`` into the work-order settings after checking that the content rules
    and the SLA policy they describe can be built."""
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant_not_found", f"no tenant {tenant_id}")
    merged = {**((tenant.settings or {}).get(SETTINGS_KEY) or {}), **values}
    rules_from(merged, (), None)
    policy_from(merged, [])
    tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: merged}
    await session.flush()
    return merged


async def save_unit(
    session: AsyncSession, tenant_id: str, unit_id: str, values: Mapping[str, Any]
) -> UnitRow:
    """Create or change a unit; its calendar is built (and so checked) before it is kept."""
    if "calendar" in values:
        calendar_from(values["calendar"], unit_id)
    hours = values.get("deadline_hours")
    if hours is not None and hours <= 0:
        raise Invalid(
            "invalid_deadline", "a unit's deadline is a positive number of hours", field="deadline_hours"
        )
    if values.get("head_user_id"):
        await check_user(session, tenant_id, values["head_user_id"], "head_user_id")
    row = await session.get(UnitRow, (tenant_id, unit_id))
    if row is None:
        row = UnitRow(tenant_id=tenant_id, id=unit_id, name=unit_id)
        session.add(row)
    for key in ("name", "head_user_id", "calendar", "deadline_hours"):
        if key in values:
            setattr(row, key, values[key])
    await session.flush()
    return row


async def delete_unit(session: AsyncSession, tenant_id: str, unit_id: str) -> None:
    row = await get_unit(session, tenant_id, unit_id)
    await session.execute(
        delete(UnitMember).where(UnitMember.tenant_id == tenant_id, UnitMember.unit_id == unit_id)
    )
    await session.delete(row)


async def set_members(
    session: AsyncSession, tenant_id: str, unit_id: str, user_ids: Sequence[str]
) -> list[str]:
    """The unit's handlers are exactly ``user_ids`` (a user moves from any other unit)."""
    await get_unit(session, tenant_id, unit_id)
    for user_id in user_ids:
        await check_user(session, tenant_id, user_id)
    await session.execute(
        delete(UnitMember).where(
            UnitMember.tenant_id == tenant_id,
            (UnitMember.unit_id == unit_id) | UnitMember.user_id.in_(list(user_ids)),
        )
    )
    for user_id in dict.fromkeys(user_ids):
        session.add(UnitMember(tenant_id=tenant_id, user_id=user_id, unit_id=unit_id))
    await session.flush()
    return await members(session, tenant_id, unit_id)


async def members(session: AsyncSession, tenant_id: str, unit_id: str) -> list[str]:
    rows = await session.scalars(
        select(UnitMember.user_id)
        .where(UnitMember.tenant_id == tenant_id, UnitMember.unit_id == unit_id)
        .order_by(UnitMember.user_id)
    )
    return list(rows.all())


def unit_dict(row: UnitRow, member_ids: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "head_user_id": row.head_user_id,
        "calendar": row.calendar,
        "deadline_hours": row.deadline_hours,
        "members": list(member_ids),
    }


async def add_shift(
    session: AsyncSession,
    tenant_id: str,
    leader_id: str,
    hours: str,
    weekdays: Sequence[int] | None,
    day: date | None,
) -> DutyShiftRow:
    leader = await check_user(session, tenant_id, leader_id, "leader_id")
    if leader.role == "agent":
        raise Invalid("not_a_leader", "shift leaders are leaders, supervisors or admins", field="leader_id")
    row = DutyShiftRow(
        tenant_id=tenant_id,
        leader_id=leader_id,
        hours=hours.strip(),
        weekdays=sorted(set(weekdays or ())),
        day=day,
    )
    shift_of(row)  # validates hours and weekdays
    session.add(row)
    await session.flush()
    return row


async def delete_shift(session: AsyncSession, tenant_id: str, shift_id: int) -> None:
    row = await session.get(DutyShiftRow, shift_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound("shift_not_found", f"no shift {shift_id}", shift_id=shift_id)
    await session.delete(row)


def shift_dict(row: DutyShiftRow, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A shift; ``names`` (user id -> name) adds the leader's name, which leaders reading the
    roster cannot look up themselves (they may not list users)."""
    return {
        "id": row.id,
        "leader_id": row.leader_id,
        "leader_name": (names or {}).get(row.leader_id, row.leader_id),
        "hours": row.hours,
        "weekdays": row.weekdays,
        "day": row.day.isoformat() if row.day else None,
    }


async def replace_reasons(
    session: AsyncSession, tenant_id: str, nodes: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The whole tree at once: a tree is only valid as a whole (parents, no cycles)."""
    code_tree(nodes)
    await session.execute(delete(ReasonCodeRow).where(ReasonCodeRow.tenant_id == tenant_id))
    for position, node in enumerate(nodes):
        session.add(
            ReasonCodeRow(
                tenant_id=tenant_id,
                code=node["code"],
                label=node.get("label") or "",
                parent=node.get("parent"),
                categories=list(node.get("categories") or ()),
                position=position,
            )
        )
    await session.flush()
    return [dict(n) for n in nodes]


async def reason_nodes(session: AsyncSession, tenant_id: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(ReasonCodeRow).where(ReasonCodeRow.tenant_id == tenant_id).order_by(ReasonCodeRow.position)
    )
    return [
        {"code": r.code, "label": r.label, "parent": r.parent, "categories": r.categories} for r in rows.all()
    ]


async def save_field(
    session: AsyncSession, tenant_id: str, key: str, values: Mapping[str, Any]
) -> CustomFieldRow:
    row = await session.get(CustomFieldRow, (tenant_id, key))
    if row is None:
        row = CustomFieldRow(
            tenant_id=tenant_id,
            key=key,
            label=key,
            type="text",
            required_for=[],
            options=[],
            tree=[],
            max_length=500,
            leaf_only=True,
            position=0,
        )
        session.add(row)
    for name in (
        "label",
        "type",
        "required_for",
        "options",
        "tree",
        "minimum",
        "maximum",
        "max_length",
        "leaf_only",
        "position",
    ):
        if name in values and values[name] is not None:
            setattr(row, name, values[name])
    field_def(row)  # the domain refuses bad keys, choice fields without options, ...
    await session.flush()
    return row


async def delete_field(session: AsyncSession, tenant_id: str, key: str) -> None:
    row = await session.get(CustomFieldRow, (tenant_id, key))
    if row is None:
        raise NotFound("field_not_found", f"no custom field {key}", key=key)
    await session.delete(row)


async def list_fields(session: AsyncSession, tenant_id: str) -> list[dict[str, Any]]:
    return [field_dict(r) for r in await field_rows(session, tenant_id)]


def field_dict(row: CustomFieldRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "type": row.type,
        "required_for": row.required_for,
        "options": row.options,
        "tree": row.tree,
        "minimum": row.minimum,
        "maximum": row.maximum,
        "max_length": row.max_length,
        "leaf_only": row.leaf_only,
        "position": row.position,
    }
