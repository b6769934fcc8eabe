"""Customers (客户资料) as plain records: who they are and the numbers they call from.

A customer keeps several numbers, each as entered, in canonical form and with the keys a
caller is matched by (:mod:`helpline.domain.people.phone`), so screen pop finds them however
the switch or an agent spelled the number. The checks a form needs live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from helpline.domain.errors import DomainError
from helpline.domain.people.phone import parse_phone

EDITABLE = ("name", "address", "email", "vip_level", "tags", "custom", "notes")
MAX_VIP = 5


@dataclass(frozen=True)
class CustomerPhone:
    """One number: as entered, canonical (E.164), and its match keys (exact, then local)."""

    raw: str
    canonical: str
    kind: str
    match_key: str
    local_key: str | None = None
    label: str = ""

    @classmethod
    def parse(cls, raw: str, label: str = "") -> CustomerPhone:
        """The number as stored; :class:`~helpline.domain.errors.Invalid` when it is none."""
        number = parse_phone(raw)
        keys = number.match_keys()
        return cls(
            raw=raw.strip(),
            canonical=number.canonical,
            kind=number.kind.value,
            match_key=keys[0],
            local_key=keys[1] if len(keys) > 1 else None,
            label=label,
        )


@dataclass
class Customer:
    id: str
    name: str = ""
    address: str = ""
    email: str = ""
    vip_level: int = 0
    tags: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    phones: list[CustomerPhone] = field(default_factory=list)
    created_at: datetime | None = None


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
