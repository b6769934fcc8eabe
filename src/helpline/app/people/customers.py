"""Customers: records with several normalized phone numbers, and the look-up by phone that
screen pop, the IVR and new work orders rely on.

The use cases work in the caller's unit and commit when they change something; import and
export are in :mod:`helpline.app.people.customer_import`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpline.app.people.ports import CustomerRepository, CustomersUnit
from helpline.app.timefmt import iso
from helpline.domain.errors import DomainError, Invalid, NotFound
from helpline.domain.people.customers import EDITABLE, Customer, CustomerPhone, check_values
from helpline.domain.people.phone import parse_phone


def _refuse(problems: list[dict[str, str]]) -> None:
    if problems:
        raise Invalid(
            "invalid_customer", "; ".join(f"{p['field']}: {p['message']}" for p in problems), errors=problems
        )


def _phones(raws: list[Any] | None) -> list[CustomerPhone]:
    return [CustomerPhone.parse(str(raw)) for raw in raws or []]


async def get_customer(uow: CustomersUnit, customer_id: str) -> Customer:
    customer = await uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("customer_not_found", f"no customer {customer_id}", customer_id=customer_id)
    return customer


async def create_customer(uow: CustomersUnit, values: dict[str, Any]) -> Customer:
    """:func:`add_customer`, committed."""
    customer = await add_customer(uow, values)
    await uow.commit()
    return customer


async def add_customer(uow: CustomersUnit, values: dict[str, Any]) -> Customer:
    """A new customer, not yet committed (an import adds many in one transaction)."""
    _refuse(check_values({"name": values.get("name", ""), **values}))
    customer = Customer(id="", phones=_phones(values.get("phones")))
    for key in EDITABLE:
        if key in values:
            setattr(customer, key, values[key])
    return await uow.customers.add(customer)


async def update_customer(uow: CustomersUnit, customer_id: str, values: dict[str, Any]) -> Customer:
    """Change the fields given; ``phones`` replaces every number. Commits."""
    customer = await get_customer(uow, customer_id)
    _refuse(check_values(values))
    for key in EDITABLE:
        if key in values:
            setattr(customer, key, values[key])
    if "phones" in values:
        customer.phones = _phones(values["phones"])
    await uow.customers.save(customer)
    await uow.commit()
    return customer


async def delete_customer(uow: CustomersUnit, customer_id: str) -> None:
    await get_customer(uow, customer_id)
    await uow.customers.remove(customer_id)
    await uow.commit()


@dataclass(frozen=True)
class Match:
    customer: Customer
    strength: str  # exact: the same line; possible: same local number, area code unknown


async def _strengths(customers: CustomerRepository, raw: str) -> dict[str, str]:
    """``customer id -> "exact" | "possible"`` for the customers whose numbers match ``raw``."""
    try:
        keys = parse_phone(raw).match_keys()
    except DomainError:
        return {}
    local = keys[1] if len(keys) > 1 else keys[0] if keys[0].startswith("local:") else None
    strength: dict[str, str] = {}
    for customer_id, key in await customers.phone_hits(keys[0], local):
        exact = key == keys[0]
        if exact or customer_id not in strength:
            strength[customer_id] = "exact" if exact else "possible"
    return strength


async def match_phone(customers: CustomerRepository, raw: str) -> list[Match]:
    """Customers whose numbers match ``raw``, exact matches first, then the higher VIP level,
    then by name: two reads however many numbers match."""
    strength = await _strengths(customers, raw)
    if not strength:
        return []
    matches = [Match(c, strength[c.id]) for c in await customers.get_many(strength)]
    matches.sort(key=lambda m: (m.strength != "exact", -m.customer.vip_level, m.customer.name))
    return matches


async def lookup(uow: CustomersUnit, raw: str) -> list[Match]:
    """Who is calling from ``raw`` (screen pop): :func:`match_phone` in the unit's tenant."""
    return await match_phone(uow.customers, raw)


async def search_customers(
    uow: CustomersUnit, *, q: str = "", phone: str = "", offset: int = 0, limit: int = 50
) -> tuple[int, list[Customer]]:
    """A page of customers by name, address or e-mail (``q``) and number (``phone``, any spelling)."""
    ids = list(await _strengths(uow.customers, phone)) if phone else None
    return await uow.customers.search(text=q, ids=ids, offset=offset, limit=limit)


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
        "created_at": iso(customer.created_at),
    }
