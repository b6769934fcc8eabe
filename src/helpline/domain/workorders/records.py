"""What work-order storage keeps beside the order itself, as plain records: an attachment's
file facts, the handling units (承办单位), the duty roster's shifts and the custom fields.

The repositories (``helpline.app.workorders.ports``) take and return these, never rows; the
attribute names are the stored columns', so the configuration screens see the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class FileMeta:
    """What is kept of an attachment beyond the order's :class:`Attachment`."""

    sha256: str
    uploaded_by: str
    at: float


@dataclass
class UnitRecord:
    """A handling unit: its head, business hours (``calendar``) and deadline in hours."""

    id: str
    name: str = ""
    head_user_id: str | None = None
    calendar: dict[str, Any] | None = None
    deadline_hours: float | None = None


@dataclass
class ShiftRecord:
    """A shift of the duty roster (值班表): its leader, hours, weekdays or one day."""

    id: int
    leader_id: str
    hours: str
    weekdays: list[int] = field(default_factory=list)
    day: date | None = None


@dataclass
class FieldRecord:
    """A custom field of the order form, as an administrator saved it."""

    key: str
    label: str = ""
    type: str = "text"
    required_for: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    tree: list[dict[str, Any]] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 500
    leaf_only: bool = True
    position: int = 0


@dataclass(frozen=True)
class Holders:
    """Who an order concerns now, for addressing its events: the first-contact owner and
    the assignee (a user or a unit)."""

    owner_id: str | None
    assignee_kind: str | None
    assignee_id: str | None


def field_text(value: object) -> str:
    """A custom value as text for equality search: ``3.0`` and ``3`` are both ``"3"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)[:500]
