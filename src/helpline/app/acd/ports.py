"""What the ACD's use cases need from storage: queues, agent profiles, skills, the tenant's
ACD settings, callback requests and call records, one tenant at a time."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from helpline.app.people.ports import PeopleUnit
from helpline.domain.acd.records import (
    AgentProfile,
    CallbackRequest,
    CallDetail,
    CallSegment,
    QueueRecord,
    Skill,
)


class QueueRepository(Protocol):
    async def get(self, queue_id: str) -> QueueRecord | None: ...

    async def list(self) -> Sequence[QueueRecord]:
        """Ordered by id."""
        ...

    async def add(self, queue: QueueRecord) -> None: ...

    async def save(self, queue: QueueRecord) -> None:
        """Store the fields of a queue that exists."""
        ...

    async def delete(self, queue_id: str) -> None: ...


class AgentProfileRepository(Protocol):
    async def get(self, agent_id: str) -> AgentProfile | None: ...

    async def list(self) -> Sequence[AgentProfile]: ...

    async def add(self, profile: AgentProfile) -> None:
        """A profile for a user of this tenant (the same id)."""
        ...

    async def save(self, profile: AgentProfile) -> None: ...


class SkillRepository(Protocol):
    async def list(self) -> Sequence[Skill]:
        """Ordered by id."""
        ...

    async def put(self, skill: Skill) -> None:
        """Create or replace."""
        ...


class TenantSettingsRepository(Protocol):
    """The tenant's own settings (not-ready reasons, the demo flag): a small JSON object."""

    async def get(self) -> dict[str, Any]: ...

    async def update(self, values: Mapping[str, Any]) -> None:
        """Set these keys, keep the others."""
        ...


class CallbackRepository(Protocol):
    async def get(self, callback_id: str) -> CallbackRequest | None: ...

    async def by_call(self, call_id: str) -> CallbackRequest | None: ...

    async def list(self, *, status: str | None, limit: int) -> Sequence[CallbackRequest]:
        """Oldest request first."""
        ...

    async def add(self, request: CallbackRequest) -> CallbackRequest:
        """Store a new request (its id and ``requested_at`` are filled in)."""
        ...

    async def save(self, request: CallbackRequest) -> None:
        """Store the status and data of a request loaded from here."""
        ...


class CallRecordRepository(Protocol):
    """The call history the event recorder writes (read only here)."""

    async def get(self, call_id: str) -> CallDetail | None: ...

    async def segments(self, call_id: str) -> Sequence[CallSegment]:
        """In the order they happened."""
        ...

    async def took_part(self, agent_id: str, call_id: str) -> bool:
        """Whether the agent's state log names the call (an internal call they placed)."""
        ...


class AcdUnit(PeopleUnit, Protocol):
    """The ACD's repositories (and the people's: an agent profile belongs to a user)."""

    @property
    def queues(self) -> QueueRepository: ...

    @property
    def agent_profiles(self) -> AgentProfileRepository: ...

    @property
    def skills(self) -> SkillRepository: ...

    @property
    def tenant_settings(self) -> TenantSettingsRepository: ...

    @property
    def callbacks(self) -> CallbackRepository: ...

    @property
    def call_records(self) -> CallRecordRepository: ...


AcdUnits = Callable[[str], AbstractAsyncContextManager[AcdUnit]]
"""Opens a unit for a tenant (jobs outside a request: start-up, the IVR)."""
