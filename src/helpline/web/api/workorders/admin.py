"""Configuration of work orders: handling units (承办单位) and their handlers, the duty roster
(值班表), reason codes (来电原因), custom fields, and the content and SLA rules.

Everyone signed in may read it (the order form needs it); supervisors keep the roster and
unit membership, administrators the rest. Changes that move deadlines (units, SLA policy)
are committed first and then given to the live SLA clocks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from helpline.app.workorders import admin, config
from helpline.app.workorders.ports import WorkOrdersUnit
from helpline.web.api.acd.deps import Admin, Agent, Supervisor
from helpline.web.api.workorders.orders import Orders
from helpline.web.api.workorders.schemas import FieldIn, MembersIn, ReasonTreeIn, SettingsIn, ShiftIn, UnitIn
from helpline.web.deps import UnitDep

router = APIRouter(prefix="/api/v1", tags=["workorder configuration"])


async def _names(uow: WorkOrdersUnit) -> dict[str, str]:
    """User id -> the name to show (leaders may not list users themselves)."""
    return {u.id: u.display_name or u.username for u in await uow.users.list()}


# ---- units ----------------------------------------------------------------------------------


@router.get("/units")
async def list_units(actor: Agent, uow: UnitDep) -> list[dict[str, Any]]:
    return await admin.list_units(uow)


@router.put("/units/{unit_id}")
async def put_unit(unit_id: str, body: UnitIn, actor: Admin, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """Create or change a unit: head, business hours (``calendar``), deadline in hours."""
    return await admin.save_unit(uow, unit_id, body.model_dump(exclude_unset=True), orders.sla.reload_policy)


@router.delete("/units/{unit_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_unit(unit_id: str, actor: Admin, uow: UnitDep, orders: Orders) -> Response:
    await admin.delete_unit(uow, unit_id, orders.sla.reload_policy)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/units/{unit_id}/members")
async def put_members(unit_id: str, body: MembersIn, actor: Supervisor, uow: UnitDep) -> list[str]:
    """The unit's handlers (承办人): agents who sign for and work its orders."""
    return await admin.set_members(uow, unit_id, body.user_ids)


# ---- duty roster ----------------------------------------------------------------------------------


@router.get("/duty/shifts")
async def list_shifts(actor: Agent, uow: UnitDep) -> list[dict[str, Any]]:
    names = await _names(uow)
    return [admin.shift_dict(s, names) for s in await uow.workorder_config.shifts()]


@router.post("/duty/shifts", status_code=status.HTTP_201_CREATED)
async def add_shift(body: ShiftIn, actor: Supervisor, uow: UnitDep) -> dict[str, Any]:
    shift = await admin.add_shift(uow, body.leader_id, body.hours, body.weekdays, body.day)
    return admin.shift_dict(shift, await _names(uow))


@router.delete("/duty/shifts/{shift_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_shift(shift_id: int, actor: Supervisor, uow: UnitDep) -> Response:
    await admin.delete_shift(uow, shift_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/duty/now")
async def on_duty(actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """Who is the shift leader now (complaint, help and urgent orders go to them); ``names``
    maps each of them to a name to show."""
    roster = await config.roster(uow)
    now = orders.clock.now()
    leaders = roster.leaders_on_duty(now)
    names = await _names(uow)
    return {
        "leader_id": roster.on_duty(now),
        "leaders": leaders,
        "names": {leader: names.get(leader, leader) for leader in leaders},
    }


# ---- reason codes and custom fields ----------------------------------------------------------------


@router.get("/reason-codes")
async def reason_codes(actor: Agent, uow: UnitDep) -> list[dict[str, Any]]:
    return await uow.workorder_config.reason_nodes()


@router.put("/reason-codes")
async def put_reason_codes(body: ReasonTreeIn, actor: Admin, uow: UnitDep) -> list[dict[str, Any]]:
    """The whole tree, replaced at once (orders carry leaves; a node may fit some categories)."""
    return await admin.replace_reasons(uow, [n.model_dump() for n in body.nodes])


@router.get("/workorder-fields")
async def fields(actor: Agent, uow: UnitDep) -> list[dict[str, Any]]:
    return await admin.list_fields(uow)


@router.put("/workorder-fields/{key}")
async def put_field(key: str, body: FieldIn, actor: Admin, uow: UnitDep) -> dict[str, Any]:
    return await admin.save_field(uow, key, body.model_dump(exclude_unset=True))


@router.delete("/workorder-fields/{key}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_field(key: str, actor: Admin, uow: UnitDep) -> Response:
    await admin.delete_field(uow, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- rules --------------------------------------------------------------------------------------


@router.get("/workorder-settings")
async def get_settings(actor: Agent, uow: UnitDep) -> dict[str, Any]:
    return await config.settings_of(uow)


@router.put("/workorder-settings")
async def put_settings(body: SettingsIn, actor: Admin, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """Required fields per category, summary length, number prefix, missed-call orders and
    the SLA policy (spans in business seconds, warnings, the center's calendar)."""
    return await admin.save_settings(uow, body.model_dump(exclude_unset=True), orders.sla.reload_policy)
