"""The work-order configuration of a tenant, as the use cases need it: content rules,
duty roster, unit heads and handlers, and the SLA policy.

Records are the storage (:mod:`helpline.app.workorders.admin` writes them); the domain objects
(:class:`ContentRules`, :class:`DutyRoster`, :class:`SlaPolicy`, :class:`BusinessCalendar`)
are built from them on use, so what an administrator saved is checked by the same code
that later applies it.

Tenant settings (``tenants.settings["workorders"]``) hold the rules that are not rows::

    {"required": {"inquiry": ["summary", ...]}, "min_summary": 4, "require_answer_mode": true,
     "number_prefix": "", "missed_call_orders": true,
     "sla": {"spans": {"complaint_simple": 7200}, "warn": {"fraction": 0.8, "before": null},
             "warn_by_kind": {"callback": {"before": 300}}, "calendar": null}}

Spans are business seconds per clock kind; a calendar is ``null`` (around the clock) or
``{"weekly": {"0": "08:30-12:00, 13:30-17:30", ...}, "holidays": [...], "workdays": [...]}``.

Department handlers (承办人): a user of role ``agent`` who is a member (``unit_members``) or
the head of a unit handles that unit's orders (signs for, returns, works and answers them)
as the domain's ``department`` role; on any other order the user is an agent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from helpline.app.workorders.ports import WorkOrdersUnit
from helpline.domain.calendar import ALWAYS, BusinessCalendar
from helpline.domain.errors import Invalid, NotFound
from helpline.domain.floor.duty import DutyRoster, DutyShift
from helpline.domain.people.accounts import User
from helpline.domain.workorders.classification import Category, CodeNode, CodeTree
from helpline.domain.workorders.content import ContentRules, FieldDef, FieldType
from helpline.domain.workorders.records import FieldRecord, ShiftRecord, UnitRecord
from helpline.domain.workorders.sla import SlaKind, SlaPolicy, WarnRule

SETTINGS_KEY = "workorders"
HOUR = 3600.0


async def settings_of(uow: WorkOrdersUnit) -> dict[str, Any]:
    return await uow.workorder_config.settings()


def rules_from(
    settings: Mapping[str, Any], fields: Sequence[FieldDef], reasons: CodeTree | None
) -> ContentRules:
    try:
        required = {Category(c): frozenset(names) for c, names in (settings.get("required") or {}).items()}
    except ValueError:
        raise Invalid(
            "unknown_category", "required fields are given per category", field="required"
        ) from None
    return ContentRules(
        required=required,
        custom_fields=tuple(fields),
        reasons=reasons,
        min_summary=int(settings.get("min_summary", 4)),
        require_answer_mode=bool(settings.get("require_answer_mode", True)),
    )


async def content_rules(uow: WorkOrdersUnit) -> ContentRules:
    """The tenant's content rules: settings, custom fields and the reason tree."""
    reasons = await reasoncode_tree(uow)
    fields = [field_def(r) for r in await uow.workorder_config.fields()]
    return rules_from(await settings_of(uow), fields, reasons)


def calendar_from(data: Mapping[str, Any] | None, name: str = "") -> BusinessCalendar:
    """``None`` or ``{"always": true}``: around the clock. Otherwise ``{"weekly": {"0":
    "08:30-12:00, 13:30-17:30", ...}, "holidays": [...], "workdays": [...], "workday_hours": ...}``."""
    if not data or data.get("always"):
        return ALWAYS
    try:
        weekly = {int(day): hours for day, hours in (data.get("weekly") or {}).items()}
        holidays = [date.fromisoformat(d) for d in data.get("holidays") or ()]
        workdays = [date.fromisoformat(d) for d in data.get("workdays") or ()]
    except (TypeError, ValueError):
        raise Invalid(
            "invalid_calendar", "weekdays are 0-6 and days are YYYY-MM-DD", field="calendar"
        ) from None
    return BusinessCalendar(
        weekly, holidays=holidays, workdays=workdays, workday_hours=data.get("workday_hours"), name=name
    )


def _warn(data: Mapping[str, Any]) -> WarnRule:
    return WarnRule(
        fraction=float(data.get("fraction", 0.8)),
        before=None if data.get("before") is None else float(data["before"]),
    )


def policy_from(settings: Mapping[str, Any], units: Sequence[UnitRecord]) -> SlaPolicy:
    sla = settings.get("sla") or {}
    try:
        spans = {SlaKind(k): float(v) for k, v in (sla.get("spans") or {}).items()}
        by_kind = {SlaKind(k): _warn(v) for k, v in (sla.get("warn_by_kind") or {}).items()}
    except (TypeError, ValueError):
        raise Invalid("invalid_sla_policy", "spans are seconds per clock kind", field="sla") from None
    return SlaPolicy(
        spans=spans,
        warn=_warn(sla.get("warn") or {}),
        warn_by_kind=by_kind,
        calendar=calendar_from(sla.get("calendar"), "center"),
        department_spans={u.id: u.deadline_hours * HOUR for u in units if u.deadline_hours},
        department_calendars={u.id: calendar_from(u.calendar, u.id) for u in units if u.calendar},
    )


async def sla_policy(uow: WorkOrdersUnit) -> SlaPolicy:
    return policy_from(await settings_of(uow), await uow.workorder_config.units())


async def get_unit(uow: WorkOrdersUnit, unit_id: str) -> UnitRecord:
    unit = await uow.workorder_config.unit(unit_id)
    if unit is None:
        raise NotFound("unit_not_found", f"no unit {unit_id}", unit_id=unit_id)
    return unit


async def check_user(uow: WorkOrdersUnit, user_id: str, field: str = "user_id") -> User:
    """A user of the unit's tenant (another tenant's is not there)."""
    user = await uow.users.get(user_id)
    if user is None:
        raise NotFound("user_not_found", f"no user {user_id}", user_id=user_id, field=field)
    return user


async def unit_heads(uow: WorkOrdersUnit) -> dict[str, str]:
    return {u.id: u.head_user_id for u in await uow.workorder_config.units() if u.head_user_id}


def shift_of(row: ShiftRecord) -> DutyShift:
    return DutyShift.parse(
        row.leader_id, row.hours, day=row.day, weekdays=row.weekdays if row.weekdays else range(7)
    )


async def roster(uow: WorkOrdersUnit) -> DutyRoster:
    return DutyRoster(shift_of(r) for r in await uow.workorder_config.shifts())


def code_tree(nodes: Sequence[Mapping[str, Any]]) -> CodeTree:
    try:
        return CodeTree(
            CodeNode(
                str(n["code"]),
                str(n.get("label") or n["code"]),
                n.get("parent"),
                frozenset(Category(c) for c in n.get("categories") or ()),
            )
            for n in nodes
        )
    except (KeyError, ValueError):
        raise Invalid(
            "invalid_code_tree", "nodes need a code, and categories must be known", field="codes"
        ) from None


async def reasoncode_tree(uow: WorkOrdersUnit) -> CodeTree | None:
    """None while the tenant has no reason codes: then any code is accepted."""
    nodes = await uow.workorder_config.reason_nodes()
    return code_tree(nodes) if nodes else None


def field_def(row: FieldRecord) -> FieldDef:
    try:
        return FieldDef(
            key=row.key,
            label=row.label or row.key,
            type=FieldType(row.type),
            required_for=frozenset(Category(c) for c in row.required_for or ()),
            options=tuple(row.options or ()),
            tree=code_tree(row.tree) if row.tree else None,
            minimum=row.minimum,
            maximum=row.maximum,
            max_length=row.max_length,
            leaf_only=row.leaf_only,
        )
    except ValueError:
        raise Invalid("invalid_field", "unknown field type or category", field=row.key) from None
