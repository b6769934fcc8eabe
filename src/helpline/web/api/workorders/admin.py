"""Configuration of work orders: handling units (承办单位) and their handlers, the duty roster
(值班表), reason codes (来电原因), custom fields, and the content and SLA rules.

Everyone signed in may read it (the order form needs it); supervisors keep the roster and
unit membership, administrators the rest. Changes that move deadlines (units, SLA policy)
are committed first and then given to the live SLA clocks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from helpline.app.floor.views import user_names
from helpline.app.workorders import admin, config
from helpline.web.api.acd.deps import Admin, Agent, Supervisor
from helpline.web.api.workorders.orders import Orders
from helpline.web.api.workorders.schemas import FieldIn, MembersIn, ReasonTreeIn, SettingsIn, ShiftIn, UnitIn
from helpline.web.deps import SessionDep, UnitDep

router = APIRouter(prefix="/api/v1", tags=["workorder configuration"])


# ---- units ----------------------------------------------------------------------------------


@router.get("/units")
async def list_units(actor: Agent, session: SessionDep) -> list[dict[str, Any]]:
    return [
        admin.unit_dict(u, await admin.members(session, actor.tenant_id, u.id))
        for u in await config.list_units(session, actor.tenant_id)
    ]


@router.put("/units/{unit_id}")
async def put_unit(
    unit_id: str, body: UnitIn, actor: Admin, session: SessionDep, orders: Orders
) -> dict[str, Any]:
    """Create or change a unit: head, business hours (``calendar``), deadline in hours."""
    row = await admin.save_unit(session, actor.tenant_id, unit_id, body.model_dump(exclude_unset=True))
    result = admin.unit_dict(row, await admin.members(session, actor.tenant_id, unit_id))
    await session.commit()
    await orders.sla.reload_policy(actor.tenant_id)
    return result


@router.delete("/units/{unit_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_unit(unit_id: str, actor: Admin, session: SessionDep, orders: Orders) -> Response:
    await admin.delete_unit(session, actor.tenant_id, unit_id)
    await session.commit()
    await orders.sla.reload_policy(actor.tenant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/units/{unit_id}/members")
async def put_members(unit_id: str, body: MembersIn, actor: Supervisor, session: SessionDep) -> list[str]:
    """The unit's handlers (承办人): agents who sign for and work its orders."""
    return await admin.set_members(session, actor.tenant_id, unit_id, body.user_ids)


# ---- duty roster ----------------------------------------------------------------------------------


@router.get("/duty/shifts")
async def list_shifts(actor: Agent, session: SessionDep, uow: UnitDep) -> list[dict[str, Any]]:
    names = await user_names(uow.users)
    return [admin.shift_dict(s, names) for s in await config.list_shifts(session, actor.tenant_id)]


@router.post("/duty/shifts", status_code=status.HTTP_201_CREATED)
async def add_shift(body: ShiftIn, actor: Supervisor, session: SessionDep, uow: UnitDep) -> dict[str, Any]:
    row = await admin.add_shift(session, actor.tenant_id, body.leader_id, body.hours, body.weekdays, body.day)
    return admin.shift_dict(row, await user_names(uow.users))


@router.delete("/duty/shifts/{shift_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_shift(shift_id: int, actor: Supervisor, session: SessionDep) -> Response:
    await admin.delete_shift(session, actor.tenant_id, shift_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/duty/now")
async def on_duty(actor: Agent, session: SessionDep, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """Who is the shift leader now (complaint, help and urgent orders go to them); ``names``
    maps each of them to a name to show."""
    roster = await config.roster(session, actor.tenant_id)
    now = orders.clock.now()
    leaders = roster.leaders_on_duty(now)
    names = await user_names(uow.users)
    return {
        "leader_id": roster.on_duty(now),
        "leaders": leaders,
        "names": {leader: names.get(leader, leader) for leader in leaders},
    }


# ---- reason codes and custom fields ----------------------------------------------------------------


@router.get("/reason-codes")
async def reason_codes(actor: Agent, session: SessionDep) -> list[dict[str, Any]]:
    return await admin.reason_nodes(session, actor.tenant_id)


@router.put("/reason-codes")
async def put_reason_codes(body: ReasonTreeIn, actor: Admin, session: SessionDep) -> list[dict[str, Any]]:
    """The whole tree, replaced at once (orders carry leaves; a node may fit some categories)."""
    return await admin.replace_reasons(session, actor.tenant_id, [n.model_dump() for n in body.nodes])


@router.get("/workorder-fields")
async def fields(actor: Agent, session: SessionDep) -> list[dict[str, Any]]:
    return await admin.list_fields(session, actor.tenant_id)


@router.put("/workorder-fields/{key}")
async def put_field(key: str, body: FieldIn, actor: Admin, session: SessionDep) -> dict[str, Any]:
    row = await admin.save_field(session, actor.tenant_id, key, body.model_dump(exclude_unset=True))
    return admin.field_dict(row)


@router.delete("/workorder-fields/{key}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_field(key: str, actor: Admin, session: SessionDep) -> Response:
    await admin.delete_field(session, actor.tenant_id, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- rules --------------------------------------------------------------------------------------


@router.get("/workorder-settings")
async def get_settings(actor: Agent, session: SessionDep) -> dict[str, Any]:
    return await config.settings_of(session, actor.tenant_id)


@router.put("/workorder-settings")
async def put_settings(body: SettingsIn, actor: Admin, session: SessionDep, orders: Orders) -> dict[str, Any]:
    """Required fields per category, summary length, number prefix, missed-call orders and
    the SLA policy (spans in business seconds, warnings, the center's calendar)."""
    merged = await admin.save_settings(session, actor.tenant_id, body.model_dump(exclude_unset=True))
    await session.commit()
    await orders.sla.reload_policy(actor.tenant_id)
    return merged
