"""The ports the application layer is written against. Adapters implement them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any, NamedTuple, Protocol

from helpline.domain.events import Event


class Published(NamedTuple):
    """One event as the bus hands it out: numbered, as a dict, and as the text a WebSocket sends
    (``{"seq": N, "published_at": t, "event": {...}}``), serialised once however many clients receive it."""

    seq: int
    event: dict[str, Any]
    text: str


# Who must receive an event besides the tenant-wide listeners: user ids, or None for everyone.
Route = Callable[[dict[str, Any]], Collection[str] | None]


class Subscription(Protocol):
    overflowed: bool

    async def get(self) -> tuple[int, dict[str, Any]]:
        """The next (sequence number, event as a dict) for this listener."""
        ...

    async def batch(self) -> list[Published]:
        """Everything waiting (at least one event); check ``overflowed`` after it."""
        ...

    def close(self) -> None: ...


class EventBus(Protocol):
    """Fan-out of events to every listener of a tenant, numbered so a client can resume."""

    def publish(self, events: Sequence[Event]) -> None: ...

    def subscribe(
        self,
        tenant_id: str,
        recipient: str | None = None,
        route: Route | None = None,
        queue_size: int | None = None,
    ) -> Subscription:
        """``recipient=None``: every event of the tenant; a user id: only the events ``route`` names it in
        (and those it routes to everyone)."""
        ...

    def since(self, tenant_id: str, seq: int) -> list[tuple[int, dict[str, Any]]] | None:
        """Events after ``seq``, or None when they are no longer kept (take a new snapshot)."""
        ...

    def replay(self, tenant_id: str, seq: int) -> list[Published] | None:
        """:meth:`since` with each event's serialised text."""
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


AfterCommit = Callable[[], Awaitable[None] | None]


class UnitOfWork(Protocol):
    """One transaction in one tenant: what a use case reads and writes, stored at once or not at all.

    The repositories a unit hands out (declared per capability: ``app/<capability>/ports.py``)
    see only this tenant's rows. :meth:`commit` stores the work, *then* publishes the events
    given to :meth:`publish` and runs the :meth:`after_commit` actions, in order (zulip's
    ``send_event_on_commit``): a listener never hears of a change that was not stored, and
    live state (a queue's configuration in the ACD) changes only once its rows are there.
    Leaving the unit without a commit rolls back and drops them. A unit may commit more than
    once (a long job in rounds); each commit publishes what was queued before it.
    """

    @property
    def tenant_id(self) -> str: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None:
        """Forget what was written since the last commit, and the events queued with it."""
        ...

    def publish(self, events: Sequence[Event]) -> None:
        """Publish ``events`` once the work is committed."""
        ...

    def after_commit(self, action: AfterCommit) -> None:
        """Run ``action`` once the work is committed (sync or async)."""
        ...
