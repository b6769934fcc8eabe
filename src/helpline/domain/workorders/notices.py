"""Who a work-order or SLA event concerns: the event as the live stream carries it.

The domain's events name the order, not the people around it. Before they are published
the application wraps them in :class:`Addressed` (``helpline.app.workorders.notify``), so the
stream can show an event to the agents it concerns; it lives here, beside the events it
wraps, so the catalogue of what goes on the bus is the domain's alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpline.domain.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class Addressed(Event):
    """An event with its audience; on the bus it reads as the event plus three keys."""

    event: Event
    owner_id: str | None = None
    assignee_id: str | None = None
    audience: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.event.as_dict(),
            "owner_id": self.owner_id,
            "assignee_id": self.assignee_id,
            "audience": list(self.audience),
        }
