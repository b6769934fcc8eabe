"""What the switch tells the ACD: calls that arrive, agent phones that answer or fail,
parties that hang up. The lead connects an implementation to the live contact center."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class InboundCall:
    tenant_id: str
    call_id: str  # the switch's id for the call, to be used as the ACD's call id
    caller: str  # the caller's number (From user part)
    callee: str  # the number dialled
    digits: str  # what the caller chose in the IVR ("" when nothing)
    source: str  # where the call came from (trunk or phone address)
    # what the IVR flow decided (queue, priority, skills, data, or an action such as
    # "hangup", "voicemail", "callback"); empty with the built-in one-prompt menu
    route: dict[str, Any] = field(default_factory=dict)


class SwitchListener(Protocol):
    async def call_arrived(self, call: InboundCall) -> None:
        """The IVR is done: the caller hears music on hold until the ACD bridges an agent."""
        ...

    async def agent_answered(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        """The agent's phone picked up (the ACD answers, then asks the switch to bridge)."""
        ...

    async def agent_failed(self, tenant_id: str, call_id: str, agent_id: str, reason: str) -> None:
        """Ringing the agent failed: ``not_registered``, ``busy``, ``declined``, ``timeout``..."""
        ...

    async def agent_hung_up(self, tenant_id: str, call_id: str, agent_id: str) -> None: ...

    async def caller_hung_up(self, tenant_id: str, call_id: str) -> None: ...

    async def digit(self, tenant_id: str, call_id: str, digit: str) -> None:
        """A key the caller pressed after the IVR (informational)."""
        ...

    async def supervisor_left(self, tenant_id: str, call_id: str, supervisor_id: str, reason: str) -> None:
        """The supervisor's phone hung up, or could not be rung (``reason`` as for agents)."""
        ...

    async def far_end_answered(self, tenant_id: str, call_id: str) -> None:
        """The number an agent dialled (or consults) answered."""
        ...

    async def agent_dialed(self, tenant_id: str, call_id: str, agent_id: str, number: str) -> None:
        """The agent's own phone calls ``number``: the ACD books it as a dial-out with this id
        (the switch's ``dial`` then calls the far end) or has it hung up."""
        ...

    async def far_end_failed(self, tenant_id: str, call_id: str, reason: str) -> None:
        """A dial-out (or an outside consult) could not be placed or was not answered
        (``no_trunk``, ``busy``, ``timeout``..., or the agent's own phone did not answer)."""
        ...


class NullListener:
    """Hears everything, does nothing: a switch with no ACD behind it."""

    async def call_arrived(self, call: InboundCall) -> None:
        return None

    async def agent_answered(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        return None

    async def agent_failed(self, tenant_id: str, call_id: str, agent_id: str, reason: str) -> None:
        return None

    async def agent_hung_up(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        return None

    async def caller_hung_up(self, tenant_id: str, call_id: str) -> None:
        return None

    async def digit(self, tenant_id: str, call_id: str, digit: str) -> None:
        return None

    async def supervisor_left(self, tenant_id: str, call_id: str, supervisor_id: str, reason: str) -> None:
        return None

    async def far_end_answered(self, tenant_id: str, call_id: str) -> None:
        return None

    async def agent_dialed(self, tenant_id: str, call_id: str, agent_id: str, number: str) -> None:
        return None

    async def far_end_failed(self, tenant_id: str, call_id: str, reason: str) -> None:
        return None
