"""Saving the work-order configuration of a tenant: units and their handlers, the duty
roster, the reason-code tree, custom fields and the settings (see :mod:`helpline.app.workorders.config`
for what they mean). Every save builds the domain object from the new values first, so a
value the domain would refuse later is refused now.

The use cases commit; the ``stage_…`` variants do not, for an orchestrator that needs one
transaction (demo data). Changes that move deadlines (settings, units) reach the live SLA
clocks after the commit (``reload``, given by the caller).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import date
from typing import Any

from helpline.app.workorders.config import (
    calendar_from,
    check_user,
    code_tree,
    field_def,
    get_unit,
    policy_from,
    rules_from,
    shift_of,
)
from helpline.app.workorders.ports import WorkOrdersUnit
from helpline.domain.errors import Invalid, NotFound
from helpline.domain.workorders.records import FieldRecord, ShiftRecord, UnitRecord

Reload = Callable[[str], Awaitable[object]]
"""After a commit that moves deadlines: give the tenant's new SLA policy to the live clocks."""


def _reload_after(uow: WorkOrdersUnit, reload: Reload | None) -> None:
    if reload is not None:
        tenant_id, then = uow.tenant_id, reload

        async def run() -> None:
            await then(tenant_id)

        uow.after_commit(run)


async def save_settings(
    uow: WorkOrdersUnit, values: Mapping[str, Any], reload: Reload | None = None
) -> dict[str, Any]:
    """Merge ``values`` into the work-order settings after checking that the content rules
    and the SLA policy they describe can be built."""
    merged = {**(await uow.workorder_config.settings()), **values}
    rules_from(merged, (), None)
    policy_from(merged, [])
    await uow.workorder_config.save_settings(merged)
    _reload_after(uow, reload)
    await uow.commit()
    return merged


async def stage_unit(uow: WorkOrdersUnit, unit_id: str, values: Mapping[str, Any]) -> UnitRecord:
    """Create or change a unit; its calendar is built (and so checked) before it is kept."""
    if "calendar" in values:
        calendar_from(values["calendar"], unit_id)
    hours = values.get("deadline_hours")
    if hours is not None and hours <= 0:
        raise Invalid(
            "invalid_deadline", "a unit's deadline is a positive number of hours", field="deadline_hours"
        )
    if values.get("head_user_id"):
        await check_user(uow, values["head_user_id"], "head_user_id")
    unit = await uow.workorder_config.unit(unit_id) or UnitRecord(unit_id, unit_id)
    unit = replace(
        unit, **{k: values[k] for k in ("name", "head_user_id", "calendar", "deadline_hours") if k in values}
    )
    await uow.workorder_config.save_unit(unit)
    return unit


async def save_unit(
    uow: WorkOrdersUnit, unit_id: str, values: Mapping[str, Any], reload: Reload | None = None
) -> dict[str, Any]:
    unit = await stage_unit(uow, unit_id, values)
    result = unit_dict(unit, await uow.workorder_config.members(unit_id))
    _reload_after(uow, reload)
    await uow.commit()
    return result


async def delete_unit(uow: WorkOrdersUnit, unit_id: str, reload: Reload | None = None) -> None:
    await get_unit(uow, unit_id)
    await uow.workorder_config.delete_unit(unit_id)
    _reload_after(uow, reload)
    await uow.commit()


async def set_members(uow: WorkOrdersUnit, unit_id: str, user_ids: Sequence[str]) -> list[str]:
    """The unit's handlers are exactly ``user_ids`` (a user moves from any other unit)."""
    await get_unit(uow, unit_id)
    for user_id in user_ids:
        await check_user(uow, user_id)
    await uow.workorder_config.set_members(unit_id, user_ids)
    members = await uow.workorder_config.members(unit_id)
    await uow.commit()
    return members


async def list_units(uow: WorkOrdersUnit) -> list[dict[str, Any]]:
    config = uow.workorder_config
    return [unit_dict(u, await config.members(u.id)) for u in await config.units()]


def unit_dict(unit: UnitRecord, member_ids: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "id": unit.id,
        "name": unit.name,
        "head_user_id": unit.head_user_id,
        "calendar": unit.calendar,
        "deadline_hours": unit.deadline_hours,
        "members": list(member_ids),
    }


async def stage_shift(
    uow: WorkOrdersUnit, leader_id: str, hours: str, weekdays: Sequence[int] | None, day: date | None
) -> ShiftRecord:
    leader = await check_user(uow, leader_id, "leader_id")
    if leader.role == "agent":
        raise Invalid("not_a_leader", "shift leaders are leaders, supervisors or admins", field="leader_id")
    days = sorted(set(weekdays or ()))
    shift_of(ShiftRecord(0, leader_id, hours.strip(), days, day))  # validates hours and weekdays
    return await uow.workorder_config.add_shift(leader_id, hours.strip(), days, day)


async def add_shift(
    uow: WorkOrdersUnit, leader_id: str, hours: str, weekdays: Sequence[int] | None, day: date | None
) -> ShiftRecord:
    shift = await stage_shift(uow, leader_id, hours, weekdays, day)
    await uow.commit()
    return shift


async def delete_shift(uow: WorkOrdersUnit, shift_id: int) -> None:
    if not await uow.workorder_config.delete_shift(shift_id):
        raise NotFound("shift_not_found", f"no shift {shift_id}", shift_id=shift_id)
    await uow.commit()


def shift_dict(shift: ShiftRecord, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A shift; ``names`` (user id -> name) adds the leader's name, which leaders reading the
    roster cannot look up themselves (they may not list users)."""
    return {
        "id": shift.id,
        "leader_id": shift.leader_id,
        "leader_name": (names or {}).get(shift.leader_id, shift.leader_id),
        "hours": shift.hours,
        "weekdays": shift.weekdays,
        "day": shift.day.isoformat() if shift.day else None,
    }


async def stage_reasons(uow: WorkOrdersUnit, nodes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The whole tree at once: a tree is only valid as a whole (parents, no cycles)."""
    code_tree(nodes)
    await uow.workorder_config.replace_reasons(nodes)
    return [dict(n) for n in nodes]


async def replace_reasons(uow: WorkOrdersUnit, nodes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    result = await stage_reasons(uow, nodes)
    await uow.commit()
    return result


_FIELD_VALUES = (
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
)


async def save_field(uow: WorkOrdersUnit, key: str, values: Mapping[str, Any]) -> dict[str, Any]:
    record = await uow.workorder_config.field(key) or FieldRecord(key, label=key)
    record = replace(record, **{n: values[n] for n in _FIELD_VALUES if n in values and values[n] is not None})
    field_def(record)  # the domain refuses bad keys, choice fields without options, ...
    await uow.workorder_config.save_field(record)
    await uow.commit()
    return field_dict(record)


async def delete_field(uow: WorkOrdersUnit, key: str) -> None:
    if not await uow.workorder_config.delete_field(key):
        raise NotFound("field_not_found", f"no custom field {key}", key=key)
    await uow.commit()


async def list_fields(uow: WorkOrdersUnit) -> list[dict[str, Any]]:
    return [field_dict(r) for r in await uow.workorder_config.fields()]


def field_dict(record: FieldRecord) -> dict[str, Any]:
    return asdict(record)
