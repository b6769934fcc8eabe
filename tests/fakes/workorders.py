"""Work orders in memory (the ports of ``helpline.app.workorders.ports`` the use cases write
through): orders kept whole, numbers per tenant and local day, calls linked, the
configuration, what work orders read of their peers, and the SLA clocks."""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from fakes.people import PeopleTables
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import NotFound
from helpline.domain.people.phone import parse_phone
from helpline.domain.workorders.events import SlaEvent
from helpline.domain.workorders.numbering import day_key, format_order_number, is_order_number
from helpline.domain.workorders.order import Attachment, WorkOrder
from helpline.domain.workorders.records import FieldRecord, FileMeta, Holders, ShiftRecord, UnitRecord
from helpline.domain.workorders.sla import OPEN_CLOCKS, SlaClock

SETTINGS_KEY = "workorders"


@dataclass
class WorkOrderTables:
    orders: dict[str, WorkOrder] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # tenant, order, call
    files: dict[str, tuple[str, str, Attachment, FileMeta]] = field(default_factory=dict)
    units: dict[tuple[str, str], UnitRecord] = field(default_factory=dict)
    members: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, user) -> unit
    shifts: list[tuple[str, ShiftRecord]] = field(default_factory=list)
    reasons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fields: dict[tuple[str, str], FieldRecord] = field(default_factory=dict)
    customers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # with "phones"
    call_records: dict[tuple[str, str], tuple[str, float | None]] = field(default_factory=dict)
    clocks: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    sla_events: list[SlaEvent] = field(default_factory=list)


class FakeWorkOrderRepository:
    def __init__(self, tables: WorkOrderTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    def _mine(self) -> list[WorkOrder]:
        return [o for o in self.tables.orders.values() if o.tenant_id == self.tenant_id]

    async def get(self, ref: str, *, lock: bool = False) -> WorkOrder:
        number = ref.strip().upper() if is_order_number(ref) else None
        for order in self._mine():
            if order.id == ref or order.number == number:
                return copy.deepcopy(order)
        raise NotFound("work_order_not_found", f"no work order {ref}", order_id=ref)

    async def load_many(self, order_ids: Sequence[str], *, lock: bool = False) -> dict[str, WorkOrder]:
        return {o.id: copy.deepcopy(o) for o in self._mine() if o.id in set(order_ids)}

    async def id_of(self, ref: str) -> str:
        return (await self.get(ref)).id

    async def issue_numbers(self, now: float, count: int, prefix: str = "") -> list[str]:
        day = day_key(now, CHINA_TZ)
        last = self.tables.counters.get((self.tenant_id, day), 0) + count
        self.tables.counters[(self.tenant_id, day)] = last
        return [format_order_number(day, seq, prefix=prefix) for seq in range(last - count + 1, last + 1)]

    async def add(
        self, orders: Sequence[WorkOrder], parent_id: str | None = None, *, call_links: bool = False
    ) -> None:
        for order in orders:
            if order.tenant_id != self.tenant_id:
                raise ValueError(f"order of tenant {order.tenant_id!r}, not {self.tenant_id!r}")
            self.tables.orders[order.id] = copy.deepcopy(order)
            self.tables.parents[order.id] = parent_id
            if order.call_id:
                await self.link_call(order.id, order.call_id, order.created_at)

    async def link_call(self, order_id: str, call_id: str, at: float) -> None:
        if (self.tenant_id, order_id, call_id) not in self.tables.calls:
            self.tables.calls.append((self.tenant_id, order_id, call_id))

    async def orders_for_calls(self, call_ids: Collection[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for tenant_id, order_id, call_id in self.tables.calls:
            if tenant_id == self.tenant_id and call_id in call_ids:
                found.setdefault(call_id, order_id)  # the first link wins
        return found

    async def save(self, orders: Sequence[WorkOrder], files: Mapping[str, FileMeta] | None = None) -> None:
        for order in orders:
            stored = self.tables.orders.get(order.id)
            if stored is None or stored.tenant_id != self.tenant_id:
                raise ValueError(f"work order {order.id!r} was not loaded from this repository")
            if order.timeline[: len(stored.timeline)] != stored.timeline:
                raise ValueError("the timeline is appended to, never rewritten")
            for attachment in order.attachments:
                if attachment.id not in self.tables.files:
                    meta = (files or {})[attachment.id]
                    self.tables.files[attachment.id] = (self.tenant_id, order.id, attachment, meta)
            self.tables.orders[order.id] = copy.deepcopy(order)

    async def attachment(self, order_id: str, attachment_id: str) -> tuple[Attachment, FileMeta] | None:
        found = self.tables.files.get(attachment_id)
        if found is None or found[0] != self.tenant_id or found[1] != order_id:
            return None
        return found[2], found[3]

    async def holders(self, order_ids: Collection[str]) -> dict[str, Holders]:
        out = {}
        for order in self._mine():
            if order.id in order_ids:
                held = order.assignee
                kind, assignee = (held.kind.value, held.id) if held else (None, None)
                out[order.id] = Holders(order.first_owner_id, kind, assignee)
        return out


class FakeWorkOrderConfig:
    def __init__(self, tables: WorkOrderTables, people: PeopleTables, tenant_id: str) -> None:
        self.tables = tables
        self.people = people
        self.tenant_id = tenant_id

    async def settings(self) -> dict[str, Any]:
        tenant = self.people.tenants.get(self.tenant_id)
        if tenant is None:
            raise NotFound("tenant_not_found", f"no tenant {self.tenant_id}")
        return dict(tenant.settings.get(SETTINGS_KEY) or {})

    async def save_settings(self, values: Mapping[str, Any]) -> None:
        tenant = self.people.tenants[self.tenant_id]
        self.people.tenants[self.tenant_id] = replace(
            tenant, settings={**tenant.settings, SETTINGS_KEY: dict(values)}
        )

    async def units(self) -> list[UnitRecord]:
        return [replace(u) for (t, _), u in sorted(self.tables.units.items()) if t == self.tenant_id]

    async def unit(self, unit_id: str) -> UnitRecord | None:
        found = self.tables.units.get((self.tenant_id, unit_id))
        return None if found is None else replace(found)

    async def save_unit(self, unit: UnitRecord) -> None:
        self.tables.units[(self.tenant_id, unit.id)] = replace(unit)

    async def delete_unit(self, unit_id: str) -> None:
        self.tables.units.pop((self.tenant_id, unit_id), None)
        for key, unit in list(self.tables.members.items()):
            if key[0] == self.tenant_id and unit == unit_id:
                del self.tables.members[key]

    async def members(self, unit_id: str) -> list[str]:
        return sorted(
            u for (t, u), unit in self.tables.members.items() if t == self.tenant_id and unit == unit_id
        )

    async def set_members(self, unit_id: str, user_ids: Sequence[str]) -> None:
        for user_id in await self.members(unit_id):
            del self.tables.members[(self.tenant_id, user_id)]
        for user_id in user_ids:
            self.tables.members[(self.tenant_id, user_id)] = unit_id

    async def handler_units(self, user_id: str) -> list[str]:
        member = self.tables.members.get((self.tenant_id, user_id))
        heads = [u.id for u in await self.units() if u.head_user_id == user_id]
        return list(dict.fromkeys([*([member] if member else []), *heads]))

    async def unit_people(self, unit_ids: Collection[str]) -> dict[str, set[str]]:
        people: dict[str, set[str]] = {u: set(await self.members(u)) for u in unit_ids}
        for unit in await self.units():
            if unit.id in people and unit.head_user_id:
                people[unit.id].add(unit.head_user_id)
        return people

    async def shifts(self) -> list[ShiftRecord]:
        return [replace(s) for t, s in self.tables.shifts if t == self.tenant_id]

    async def add_shift(
        self, leader_id: str, hours: str, weekdays: Sequence[int], day: date | None
    ) -> ShiftRecord:
        shift = ShiftRecord(len(self.tables.shifts) + 1, leader_id, hours, list(weekdays), day)
        self.tables.shifts.append((self.tenant_id, shift))
        return replace(shift)

    async def delete_shift(self, shift_id: int) -> bool:
        kept = [(t, s) for t, s in self.tables.shifts if not (t == self.tenant_id and s.id == shift_id)]
        found = len(kept) != len(self.tables.shifts)
        self.tables.shifts = kept
        return found

    async def reason_nodes(self) -> list[dict[str, Any]]:
        return [dict(n) for n in self.tables.reasons.get(self.tenant_id, [])]

    async def replace_reasons(self, nodes: Sequence[Mapping[str, Any]]) -> None:
        self.tables.reasons[self.tenant_id] = [
            {
                "code": n["code"],
                "label": n.get("label") or "",
                "parent": n.get("parent"),
                "categories": list(n.get("categories") or ()),
            }
            for n in nodes
        ]

    async def fields(self) -> list[FieldRecord]:
        mine = [f for (t, _), f in self.tables.fields.items() if t == self.tenant_id]
        return [replace(f) for f in sorted(mine, key=lambda f: (f.position, f.key))]

    async def field(self, key: str) -> FieldRecord | None:
        found = self.tables.fields.get((self.tenant_id, key))
        return None if found is None else replace(found)

    async def save_field(self, record: FieldRecord) -> None:
        self.tables.fields[(self.tenant_id, record.key)] = replace(record)

    async def delete_field(self, key: str) -> bool:
        return self.tables.fields.pop((self.tenant_id, key), None) is not None


class FakeWorkOrderPeers:
    def __init__(self, tables: WorkOrderTables, people: PeopleTables, tenant_id: str) -> None:
        self.tables = tables
        self.people = people
        self.tenant_id = tenant_id

    async def call(self, call_id: str) -> tuple[str, float | None] | None:
        return self.tables.call_records.get((self.tenant_id, call_id))

    async def customer_exists(self, customer_id: str) -> bool:
        return (self.tenant_id, customer_id) in self.tables.customers

    async def customers_by_phone(self, number: str, *, exact_only: bool = False) -> list[dict[str, Any]]:
        try:
            key = parse_phone(number).match_keys()[0]
        except Exception:
            return []
        found = []
        for (tenant_id, _), customer in sorted(self.tables.customers.items()):
            phones = {parse_phone(p).match_keys()[0] for p in customer.get("phones", ())}
            if tenant_id == self.tenant_id and key in phones:
                found.append({k: v for k, v in customer.items() if k != "phones"} | {"match": "exact"})
        return found

    async def user_roles(self, user_ids: Collection[str]) -> dict[str, str]:
        return {
            u.id: u.role
            for u in self.people.users.values()
            if u.tenant_id == self.tenant_id and u.id in user_ids
        }


class FakeSlaClockStore:
    def __init__(self, tables: WorkOrderTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def open_clocks(self) -> list[tuple[str, dict[str, Any]]]:
        open_states = {s.value for s in OPEN_CLOCKS}
        return [
            (cid, dict(data))
            for (t, cid), data in self.tables.clocks.items()
            if t == self.tenant_id and data.get("state") in open_states
        ]

    async def save(self, clocks: Sequence[SlaClock], events: Sequence[SlaEvent]) -> None:
        for clock in clocks:
            self.tables.clocks[(self.tenant_id, clock.id)] = copy.deepcopy(clock.as_dict())
        self.tables.sla_events += list(events)
