"""What happens on the floor (topic ``floor``): a break request moves, the leader writes to
agents, a norm alert is raised or acknowledged. They join :mod:`helpline.domain.events` in the
one catalogue the bus, the WebSocket stream and the screens read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from helpline.domain.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakUpdated(Event):
    """A break request as it now stands (requested, decided, started, ended or cancelled);
    ``request`` is what the API answers for it, so a screen shows the event as it is."""

    topic: ClassVar[str] = "floor"
    agent_id: str
    request: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaderMessage(Event):
    """A message from the leader; ``ids`` maps each recipient to their own row."""

    topic: ClassVar[str] = "floor"
    batch_id: str
    from_user_id: str
    from_name: str
    body: str
    to_all: bool
    agent_ids: tuple[str, ...]
    ids: dict[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class NormAlert(Event):
    """A norm alert as raised (``at``); ``id`` is its stored row."""

    topic: ClassVar[str] = "floor"
    id: int
    kind: str
    agent_id: str | None = None
    call_id: str | None = None
    order_ref: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class NormAlertAcknowledged(Event):
    topic: ClassVar[str] = "floor"
    id: int
    by: str
