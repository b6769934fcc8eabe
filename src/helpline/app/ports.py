"""The ports the application layer is written against. Adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from helpline.domain.events import Event


class Subscription(Protocol):
    async def get(self) -> tuple[int, dict[str, Any]]:
        """The next (sequence number, event as a dict) for this tenant."""
        ...

    def close(self) -> None: ...


class EventBus(Protocol):
    """Fan-out of events to every listener of a tenant, numbered so a client can resume."""

    def publish(self, events: Sequence[Event]) -> None: ...

    def subscribe(self, tenant_id: str) -> Subscription: ...

    def since(self, tenant_id: str, seq: int) -> list[tuple[int, dict[str, Any]]] | None:
        """Events after ``seq``, or None when they are no longer kept (take a new snapshot)."""
        ...

    def last_seq(self, tenant_id: str) -> int: ...


class Telephony(Protocol):
    """What the ACD asks of a switch. The virtual switch (``sim``) and the SIP switch implement it."""

    async def ring_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None: ...

    async def bridge(self, tenant_id: str, call_id: str, agent_id: str) -> None: ...

    async def hold(self, tenant_id: str, call_id: str) -> None: ...

    async def retrieve(self, tenant_id: str, call_id: str, agent_id: str) -> None: ...

    async def monitor(self, tenant_id: str, call_id: str, supervisor_id: str, mode: str) -> None: ...

    async def hangup(self, tenant_id: str, call_id: str) -> None: ...

    async def cancel_ring(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        """Stop ringing one agent: the ACD moved the offer on (timeout, reject, answered elsewhere)."""
        ...

    async def unmonitor(self, tenant_id: str, call_id: str, supervisor_id: str) -> None: ...

    async def survey(self, tenant_id: str, call_id: str) -> None:
        """The agent ended an answered call: the caller may rate it (NORMS §6), then the
        switch hangs up. A switch without a survey just hangs up."""
        ...

    async def release_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        """The agent transferred the call away (blind): their line goes, the caller waits."""
        ...


class EventRecorder(Protocol):
    """Persists events (agent state log, call records) before they are published."""

    async def record(self, events: Sequence[Event]) -> None: ...
