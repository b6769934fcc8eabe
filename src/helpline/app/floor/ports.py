"""What floor discipline needs from storage: break requests, the leader's messages, norm
alerts and the tenant's floor limits, one tenant at a time; users through the people ports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from helpline.app.people.ports import TenantRepository, UserRepository
from helpline.app.ports import UnitOfWork
from helpline.domain.floor.norms import NormPolicy
from helpline.domain.floor.records import AgentMessage, BreakRequest, StoredAlert


class BreakRepository(Protocol):
    """Break requests of the unit's tenant."""

    async def get(self, break_id: int) -> BreakRequest | None: ...

    async def open_of(self, agent_id: str) -> int | None:
        """The id of the agent's request that is pending, approved or started, if any."""
        ...

    async def list(
        self, *, agent_id: str | None = None, statuses: Sequence[str] | None = None, limit: int = 200
    ) -> Sequence[BreakRequest]:
        """Newest request first."""
        ...

    async def started(self) -> Sequence[BreakRequest]:
        """The breaks running now (the live floor counts them after a restart)."""
        ...

    async def add(self, request: BreakRequest) -> BreakRequest:
        """Store a new request; the returned one has its id."""
        ...

    async def save(self, request: BreakRequest) -> None:
        """Store the changed fields of a request loaded from this repository."""
        ...


class MessageRepository(Protocol):
    """The leader's messages of the unit's tenant, one record per recipient."""

    async def add_all(self, messages: Sequence[AgentMessage]) -> Sequence[AgentMessage]:
        """Store one sending's copies at once; the returned ones have their ids, in order."""
        ...

    async def get(self, message_id: int) -> AgentMessage | None: ...

    async def inbox(self, user_id: str, limit: int = 100) -> Sequence[AgentMessage]:
        """The user's messages, newest first."""
        ...

    async def unread(self, user_id: str) -> int: ...

    async def recent(self, limit: int = 1000) -> Sequence[AgentMessage]:
        """Every copy of the tenant's messages, newest first."""
        ...

    async def save(self, message: AgentMessage) -> None:
        """Store ``read_at`` of a message loaded from this repository."""
        ...

    async def mark_all_read(self, user_id: str, at: datetime) -> None:
        """Every unread message of the user's, read at ``at``."""
        ...


class AlertRepository(Protocol):
    """Norm alerts of the unit's tenant."""

    async def add_all(self, alerts: Sequence[StoredAlert]) -> Sequence[StoredAlert]:
        """Store alerts raised together; the returned ones have their ids, in order."""
        ...

    async def get(self, alert_id: int) -> StoredAlert | None: ...

    async def list(
        self, *, unacknowledged: bool = False, since: datetime | None = None, limit: int = 200
    ) -> Sequence[StoredAlert]:
        """Newest first."""
        ...

    async def save(self, alert: StoredAlert) -> None:
        """Store the acknowledgement of an alert loaded from this repository."""
        ...


class NormPolicyRepository(Protocol):
    """The tenant's floor limits (kept with the tenant's settings)."""

    async def get(self) -> NormPolicy:
        """The stored limits; NORMS defaults for what was never set."""
        ...

    async def save(self, policy: NormPolicy) -> None:
        """``tenant_not_found`` when the unit's tenant does not exist."""
        ...


class FloorUnit(UnitOfWork, Protocol):
    @property
    def breaks(self) -> BreakRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def norm_alerts(self) -> AlertRepository: ...

    @property
    def norm_policy(self) -> NormPolicyRepository: ...

    @property
    def users(self) -> UserRepository:
        """Who is who on the floor: names, recipients (the people ports)."""
        ...

    @property
    def tenants(self) -> TenantRepository: ...


FloorUnits = Callable[[str], AbstractAsyncContextManager[FloorUnit]]
"""Opens a unit for a tenant, for the floor's own work off the request path (ending breaks,
raising alerts on the timer loop)."""
