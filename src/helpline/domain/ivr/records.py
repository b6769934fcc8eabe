"""An IVR flow as stored: its definition as data (checked by ``helpline.domain.ivr.flow``
before it is saved), the numbers it answers, and whether it answers them now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class IvrFlowRecord:
    id: str
    tenant_id: str = ""  # filled in when stored (flows of every tenant share the numbers)
    name: str = ""
    numbers: list[str] = field(default_factory=list)
    active: bool = True
    definition: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
