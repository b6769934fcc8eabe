"""The work-order configuration of a tenant, as the use cases need it: content rules,
duty roster, unit heads and handlers, and the SLA policy.

Rows are the storage (:mod:`helpline.app.workorders.admin` writes them); the domain objects
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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.people import Tenant, User
from helpline.adapters.db.tables.workorders import (
    CustomFieldRow,
    DutyShiftRow,
    ReasonCodeRow,
    UnitMember,
    UnitRow,
)
from helpline.domain.calendar import ALWAYS, BusinessCalendar
from helpline.domain.errors import Invalid, NotFound
from helpline.domain.floor.duty import DutyRoster, DutyShift
from helpline.domain.workorders.classification import Category, CodeNode, CodeTree
from helpline.domain.workorders.content import ContentRules, FieldDef, FieldType
from helpline.domain.workorders.sla import SlaKind, SlaPolicy, WarnRule

SETTINGS_KEY = "workorders"
HOUR = 3600.0


async def settings_of(session: AsyncSession, tenant_id: str) -> dict[str, Any]:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant_not_found", f"no tenant {tenant_id}")
    return dict((tenant.settings or {}).get(SETTINGS_KEY) or {})


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


async def content_rules(session: AsyncSession, tenant_id: str) -> ContentRules:
    """The tenant's content rules: settings, custom fields and the reason tree."""
    reasons = await reasoncode_tree(session, tenant_id)
    fields = [field_def(r) for r in await field_rows(session, tenant_id)]
    return rules_from(await settings_of(session, tenant_id), fields, reasons)


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


def policy_from(settings: Mapping[str, Any], units: Sequence[UnitRow]) -> SlaPolicy:
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


async def sla_policy(session: AsyncSession, tenant_id: str) -> SlaPolicy:
    return policy_from(await settings_of(session, tenant_id), await list_units(session, tenant_id))


async def list_units(session: AsyncSession, tenant_id: str) -> list[UnitRow]:
    rows = await session.scalars(select(UnitRow).where(UnitRow.tenant_id == tenant_id).order_by(UnitRow.id))
    return list(rows.all())


async def get_unit(session: AsyncSession, tenant_id: str, unit_id: str) -> UnitRow:
    row = await session.get(UnitRow, (tenant_id, unit_id))
    if row is None:
        raise NotFound("unit_not_found", f"no unit {unit_id}", unit_id=unit_id)
    return row


async def check_user(session: AsyncSession, tenant_id: str, user_id: str, field: str = "user_id") -> User:
    user = await session.get(User, user_id)
    if user is None or user.tenant_id != tenant_id:
        raise NotFound("user_not_found", f"no user {user_id}", user_id=user_id, field=field)
    return user


async def handler_units(session: AsyncSession, tenant_id: str, user_id: str) -> list[str]:
    """Units whose orders the user handles: the one they belong to, and any they head."""
    member = await session.scalars(
        select(UnitMember.unit_id).where(UnitMember.tenant_id == tenant_id, UnitMember.user_id == user_id)
    )
    heads = await session.scalars(
        select(UnitRow.id).where(UnitRow.tenant_id == tenant_id, UnitRow.head_user_id == user_id)
    )
    return list(dict.fromkeys([*member.all(), *heads.all()]))


async def unit_heads(session: AsyncSession, tenant_id: str) -> dict[str, str]:
    return {u.id: u.head_user_id for u in await list_units(session, tenant_id) if u.head_user_id}


def shift_of(row: DutyShiftRow) -> DutyShift:
    return DutyShift.parse(
        row.leader_id, row.hours, day=row.day, weekdays=row.weekdays if row.weekdays else range(7)
    )


async def list_shifts(session: AsyncSession, tenant_id: str) -> list[DutyShiftRow]:
    rows = await session.scalars(
        select(DutyShiftRow).where(DutyShiftRow.tenant_id == tenant_id).order_by(DutyShiftRow.id)
    )
    return list(rows.all())


async def roster(session: AsyncSession, tenant_id: str) -> DutyRoster:
    return DutyRoster(shift_of(r) for r in await list_shifts(session, tenant_id))


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


async def reasoncode_tree(session: AsyncSession, tenant_id: str) -> CodeTree | None:
    """None while the tenant has no reason codes: then any code is accepted."""
    rows = (
        await session.scalars(
            select(ReasonCodeRow).where(ReasonCodeRow.tenant_id == tenant_id).order_by(ReasonCodeRow.position)
        )
    ).all()
    if not rows:
        return None
    return code_tree(
        [{"code": r.code, "label": r.label, "parent": r.parent, "categories": r.categories} for r in rows]
    )


async def field_rows(session: AsyncSession, tenant_id: str) -> list[CustomFieldRow]:
    rows = await session.scalars(
        select(CustomFieldRow)
        .where(CustomFieldRow.tenant_id == tenant_id)
        .order_by(CustomFieldRow.position, CustomFieldRow.key)
    )
    return list(rows.all())


def field_def(row: CustomFieldRow) -> FieldDef:
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
