"""The work-order configuration of a tenant in the database
(``helpline.app.workorders.ports.WorkOrderConfigRepository``): settings, units and their
handlers, the duty roster, reason codes and custom fields, as records."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
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
from helpline.domain.errors import NotFound
from helpline.domain.workorders.records import FieldRecord, ShiftRecord, UnitRecord

SETTINGS_KEY = "workorders"
_FIELD_COLUMNS = tuple(f for f in FieldRecord.__dataclass_fields__ if f != "key")


def _unit(row: UnitRow) -> UnitRecord:
    return UnitRecord(row.id, row.name, row.head_user_id, row.calendar, row.deadline_hours)


def _shift(row: DutyShiftRow) -> ShiftRecord:
    return ShiftRecord(row.id, row.leader_id, row.hours, list(row.weekdays or ()), row.day)


def _field(row: CustomFieldRow) -> FieldRecord:
    return FieldRecord(row.key, **{name: getattr(row, name) for name in _FIELD_COLUMNS})


class SqlWorkOrderConfig:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def _tenant(self) -> Tenant:
        tenant = await self.session.get(Tenant, self.tenant_id)
        if tenant is None:
            raise NotFound("tenant_not_found", f"no tenant {self.tenant_id}")
        return tenant

    async def settings(self) -> dict[str, Any]:
        tenant = await self._tenant()
        return dict((tenant.settings or {}).get(SETTINGS_KEY) or {})

    async def save_settings(self, values: Mapping[str, Any]) -> None:
        tenant = await self._tenant()
        tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: dict(values)}
        await self.session.flush()

    # ---- units ------------------------------------------------------------------------------------

    async def units(self) -> list[UnitRecord]:
        stmt = select(UnitRow).where(UnitRow.tenant_id == self.tenant_id).order_by(UnitRow.id)
        return [_unit(row) for row in (await self.session.scalars(stmt)).all()]

    async def unit(self, unit_id: str) -> UnitRecord | None:
        row = await self.session.get(UnitRow, (self.tenant_id, unit_id))
        return None if row is None else _unit(row)

    async def save_unit(self, unit: UnitRecord) -> None:
        row = await self.session.get(UnitRow, (self.tenant_id, unit.id))
        if row is None:
            row = UnitRow(tenant_id=self.tenant_id, id=unit.id)
            self.session.add(row)
        row.name, row.head_user_id = unit.name, unit.head_user_id
        row.calendar, row.deadline_hours = unit.calendar, unit.deadline_hours
        await self.session.flush()

    async def delete_unit(self, unit_id: str) -> None:
        await self.session.execute(
            delete(UnitMember).where(UnitMember.tenant_id == self.tenant_id, UnitMember.unit_id == unit_id)
        )
        row = await self.session.get(UnitRow, (self.tenant_id, unit_id))
        if row is not None:
            await self.session.delete(row)
        await self.session.flush()

    async def members(self, unit_id: str) -> list[str]:
        rows = await self.session.scalars(
            select(UnitMember.user_id)
            .where(UnitMember.tenant_id == self.tenant_id, UnitMember.unit_id == unit_id)
            .order_by(UnitMember.user_id)
        )
        return list(rows.all())

    async def set_members(self, unit_id: str, user_ids: Sequence[str]) -> None:
        await self.session.execute(
            delete(UnitMember).where(
                UnitMember.tenant_id == self.tenant_id,
                (UnitMember.unit_id == unit_id) | UnitMember.user_id.in_(list(user_ids)),
            )
        )
        for user_id in dict.fromkeys(user_ids):
            self.session.add(UnitMember(tenant_id=self.tenant_id, user_id=user_id, unit_id=unit_id))
        await self.session.flush()

    async def handler_units(self, user_id: str) -> list[str]:
        member = await self.session.scalars(
            select(UnitMember.unit_id).where(
                UnitMember.tenant_id == self.tenant_id, UnitMember.user_id == user_id
            )
        )
        heads = await self.session.scalars(
            select(UnitRow.id).where(UnitRow.tenant_id == self.tenant_id, UnitRow.head_user_id == user_id)
        )
        return list(dict.fromkeys([*member.all(), *heads.all()]))

    async def unit_people(self, unit_ids: Collection[str]) -> dict[str, set[str]]:
        people: dict[str, set[str]] = {u: set() for u in unit_ids}
        if not unit_ids:
            return people
        rows = await self.session.execute(
            select(UnitMember.unit_id, UnitMember.user_id).where(
                UnitMember.tenant_id == self.tenant_id, UnitMember.unit_id.in_(list(unit_ids))
            )
        )
        for unit_id, user_id in rows.all():
            people[unit_id].add(user_id)
        heads = await self.session.execute(
            select(UnitRow.id, UnitRow.head_user_id).where(
                UnitRow.tenant_id == self.tenant_id, UnitRow.id.in_(list(unit_ids))
            )
        )
        for unit_id, head in heads.all():
            if head:
                people[unit_id].add(head)
        return people

    # ---- duty roster ------------------------------------------------------------------------------

    async def shifts(self) -> list[ShiftRecord]:
        stmt = select(DutyShiftRow).where(DutyShiftRow.tenant_id == self.tenant_id).order_by(DutyShiftRow.id)
        return [_shift(row) for row in (await self.session.scalars(stmt)).all()]

    async def add_shift(
        self, leader_id: str, hours: str, weekdays: Sequence[int], day: date | None
    ) -> ShiftRecord:
        row = DutyShiftRow(
            tenant_id=self.tenant_id, leader_id=leader_id, hours=hours, weekdays=list(weekdays), day=day
        )
        self.session.add(row)
        await self.session.flush()
        return _shift(row)

    async def delete_shift(self, shift_id: int) -> bool:
        row = await self.session.get(DutyShiftRow, shift_id)
        if row is None or row.tenant_id != self.tenant_id:
            return False
        await self.session.delete(row)
        await self.session.flush()
        return True

    # ---- reason codes and custom fields -----------------------------------------------------------

    async def reason_nodes(self) -> list[dict[str, Any]]:
        rows = await self.session.scalars(
            select(ReasonCodeRow)
            .where(ReasonCodeRow.tenant_id == self.tenant_id)
            .order_by(ReasonCodeRow.position)
        )
        return [
            {"code": r.code, "label": r.label, "parent": r.parent, "categories": r.categories}
            for r in rows.all()
        ]

    async def replace_reasons(self, nodes: Sequence[Mapping[str, Any]]) -> None:
        await self.session.execute(delete(ReasonCodeRow).where(ReasonCodeRow.tenant_id == self.tenant_id))
        for position, node in enumerate(nodes):
            self.session.add(
                ReasonCodeRow(
                    tenant_id=self.tenant_id,
                    code=node["code"],
                    label=node.get("label") or "",
                    parent=node.get("parent"),
                    categories=list(node.get("categories") or ()),
                    position=position,
                )
            )
        await self.session.flush()

    async def fields(self) -> list[FieldRecord]:
        rows = await self.session.scalars(
            select(CustomFieldRow)
            .where(CustomFieldRow.tenant_id == self.tenant_id)
            .order_by(CustomFieldRow.position, CustomFieldRow.key)
        )
        return [_field(row) for row in rows.all()]

    async def field(self, key: str) -> FieldRecord | None:
        row = await self.session.get(CustomFieldRow, (self.tenant_id, key))
        return None if row is None else _field(row)

    async def save_field(self, record: FieldRecord) -> None:
        row = await self.session.get(CustomFieldRow, (self.tenant_id, record.key))
        if row is None:
            row = CustomFieldRow(tenant_id=self.tenant_id, key=record.key)
            self.session.add(row)
        for name, value in asdict(record).items():
            if name != "key":
                setattr(row, name, value)
        await self.session.flush()

    async def delete_field(self, key: str) -> bool:
        row = await self.session.get(CustomFieldRow, (self.tenant_id, key))
        if row is None:
            return False
        await self.session.delete(row)
        await self.session.flush()
        return True
