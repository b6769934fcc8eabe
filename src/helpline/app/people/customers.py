"""Customers: records with several normalized phone numbers, look-up for screen pop,
and bulk import/export where a bad row is reported and the good rows still load."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.people import Customer, CustomerPhone
from helpline.domain.errors import DomainError, Invalid, NotFound
from helpline.domain.people.phone import parse_phone

EDITABLE = ("name", "address", "email", "vip_level", "tags", "custom", "notes")
MAX_VIP = 5


def _phone_row(tenant_id: str, raw: str, position: int, label: str = "") -> CustomerPhone:
    number = parse_phone(raw)
    keys = number.match_keys()
    return CustomerPhone(
        tenant_id=tenant_id,
        raw=raw.strip(),
        canonical=number.canonical,
        kind=number.kind.value,
        match_key=keys[0],
        local_key=keys[1] if len(keys) > 1 else None,
        position=position,
        label=label,
    )


def check_values(values: dict[str, Any]) -> list[dict[str, str]]:
    """Every problem with a customer's fields, so that a form can mark them all at once."""
    problems: list[dict[str, str]] = []
    if "name" in values and not str(values["name"] or "").strip():
        problems.append({"field": "name", "message": "a name is required"})
    if "vip_level" in values:
        level = values["vip_level"]
        if not isinstance(level, int) or not 0 <= level <= MAX_VIP:
            problems.append({"field": "vip_level", "message": f"VIP level runs from 0 to {MAX_VIP}"})
    if "email" in values and values["email"] and "@" not in str(values["email"]):
        problems.append({"field": "email", "message": "not an e-mail address"})
    for i, raw in enumerate(values.get("phones") or []):
        try:
            parse_phone(str(raw))
        except DomainError as exc:
            problems.append({"field": f"phones[{i}]", "message": exc.message})
    return problems


def _refuse(problems: list[dict[str, str]]) -> None:
    if problems:
        raise Invalid(
            "invalid_customer", "; ".join(f"{p['field']}: {p['message']}" for p in problems), errors=problems
        )


async def get_customer(session: AsyncSession, tenant_id: str, customer_id: str) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.tenant_id != tenant_id:
        raise NotFound("customer_not_found", f"no customer {customer_id}", customer_id=customer_id)
    return customer


async def create_customer(session: AsyncSession, tenant_id: str, values: dict[str, Any]) -> Customer:
    _refuse(check_values({"name": values.get("name", ""), **values}))
    customer = Customer(tenant_id=tenant_id, **{k: values[k] for k in EDITABLE if k in values})
    customer.phones = [_phone_row(tenant_id, str(raw), i) for i, raw in enumerate(values.get("phones") or [])]
    session.add(customer)
    await session.flush()
    return customer


async def update_customer(
    session: AsyncSession, tenant_id: str, customer_id: str, values: dict[str, Any]
) -> Customer:
    customer = await get_customer(session, tenant_id, customer_id)
    _refuse(check_values(values))
    for key in EDITABLE:
        if key in values:
            setattr(customer, key, values[key])
    if "phones" in values:
        customer.phones = [_phone_row(tenant_id, str(raw), i) for i, raw in enumerate(values["phones"] or [])]
    await session.flush()
    return customer


async def delete_customer(session: AsyncSession, tenant_id: str, customer_id: str) -> None:
    await session.delete(await get_customer(session, tenant_id, customer_id))


@dataclass(frozen=True)
class Match:
    customer: Customer
    strength: str  # exact: the same line; possible: same local number, area code unknown


async def find_by_phone(session: AsyncSession, tenant_id: str, raw: str) -> list[Match]:
    """Customers whose numbers match ``raw``, exact matches first (screen pop)."""
    try:
        keys = parse_phone(raw).match_keys()
    except DomainError:
        return []
    conditions = [CustomerPhone.match_key == keys[0]]
    if len(keys) > 1:
        conditions.append(CustomerPhone.local_key == keys[1])
    elif keys[0].startswith("local:"):
        conditions.append(CustomerPhone.local_key == keys[0])
    rows = (
        await session.execute(
            select(CustomerPhone.customer_id, CustomerPhone.match_key).where(
                CustomerPhone.tenant_id == tenant_id, or_(*conditions)
            )
        )
    ).all()
    strength: dict[str, str] = {}
    for customer_id, key in rows:
        exact = key == keys[0]
        if exact or customer_id not in strength:
            strength[customer_id] = "exact" if exact else "possible"
    if not strength:
        return []
    found = (
        await session.scalars(
            select(Customer).where(Customer.tenant_id == tenant_id, Customer.id.in_(strength))
        )
    ).all()
    matches = [Match(c, strength[c.id]) for c in found]
    matches.sort(key=lambda m: (m.strength != "exact", -m.customer.vip_level, m.customer.name))
    return matches


async def search_customers(
    session: AsyncSession, tenant_id: str, *, q: str = "", phone: str = "", offset: int = 0, limit: int = 50
) -> tuple[int, Sequence[Customer]]:
    stmt = select(Customer).where(Customer.tenant_id == tenant_id)
    if phone:
        ids = [m.customer.id for m in await find_by_phone(session, tenant_id, phone)]
        stmt = stmt.where(Customer.id.in_(ids))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(Customer.name.like(like), Customer.address.like(like), Customer.email.like(like))
        )
    total = int((await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one())
    rows = (
        await session.scalars(stmt.order_by(Customer.name, Customer.id).offset(offset).limit(limit))
    ).all()
    return total, rows


def as_dict(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "address": customer.address,
        "email": customer.email,
        "vip_level": customer.vip_level,
        "tags": customer.tags or [],
        "custom": customer.custom or {},
        "notes": customer.notes,
        "phones": [
            {"raw": p.raw, "canonical": p.canonical, "kind": p.kind, "label": p.label}
            for p in customer.phones
        ],
        "created_at": customer.created_at.isoformat() if customer.created_at else None,
    }


# ---- import and export --------------------------------------------------------------------

COLUMNS = ("name", "phones", "address", "email", "vip_level", "tags", "notes")


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "failed": len(self.errors), "errors": self.errors}


def _split(value: Any) -> list[str]:
    text = str(value or "").replace("；", ";").replace("，", ",")
    return [p.strip() for chunk in text.split(";") for p in chunk.split(",") if p.strip()]


def row_values(row: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A spreadsheet row as customer values, plus what is wrong with it."""
    problems: list[dict[str, str]] = []
    values: dict[str, Any] = {
        "name": str(row.get("name") or "").strip(),
        "address": str(row.get("address") or "").strip(),
        "email": str(row.get("email") or "").strip(),
        "notes": str(row.get("notes") or "").strip(),
        "tags": _split(row.get("tags")),
        "custom": {},
    }
    phones = _split(row.get("phones"))
    for key, value in row.items():
        if key and str(key).startswith("phone") and key != "phones" and value not in (None, ""):
            phones.append(str(value).strip())
        if key and str(key).startswith("custom.") and value not in (None, ""):
            values["custom"][str(key)[len("custom.") :]] = value
    values["phones"] = phones
    level = row.get("vip_level")
    if level in (None, ""):
        values["vip_level"] = 0
    else:
        try:
            values["vip_level"] = int(float(str(level)))
        except ValueError:
            problems.append({"field": "vip_level", "message": f"{level!r} is not a number"})
    if not phones:
        problems.append({"field": "phones", "message": "at least one phone number"})
    problems += check_values(
        {k: v for k, v in values.items() if not (k == "vip_level" and any(p["field"] == k for p in problems))}
    )
    return values, problems


async def import_rows(
    session: AsyncSession, tenant_id: str, rows: Iterable[dict[str, Any]], *, first_row: int = 2
) -> ImportReport:
    """Load every good row; report every bad one with its row number and fields."""
    report = ImportReport()
    for number, row in enumerate(rows, start=first_row):
        values, problems = row_values(row)
        if problems:
            report.errors.append({"row": number, "errors": problems})
            continue
        await create_customer(session, tenant_id, values)
        report.imported += 1
    return report


def export_rows(customers: Iterable[Customer]) -> Iterable[list[Any]]:
    yield list(COLUMNS)
    for c in customers:
        yield [
            c.name,
            "; ".join(p.raw for p in c.phones),
            c.address,
            c.email,
            c.vip_level,
            "; ".join(c.tags or []),
            c.notes,
        ]
