"""Typed, frozen records of everything that happens in the contact center.

Events are the one language between the core, the persistence recorder, the event
bus, the WebSocket stream and the metrics fold. ``at`` is the clock time in seconds
(epoch seconds in the server, seconds from zero in the simulator).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    tenant_id: str
    at: float
    topic: ClassVar[str] = "event"

    @property
    def name(self) -> str:
        return _CAMEL.sub("_", type(self).__name__).lower()

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for key, value in data.items():
            if isinstance(value, frozenset | tuple):
                data[key] = sorted(value) if isinstance(value, frozenset) else list(value)
        return {"type": self.name, "topic": self.topic, **data}


# ---- agents ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged(Event):
    """An agent moved from one soft-phone state to another.

    ``duration`` is how long the agent spent in ``old_state``; ``by`` names the
    supervisor when the change was forced.
    """

    topic: ClassVar[str] = "agent"
    agent_id: str
    old_state: str
    new_state: str
    reason: str | None = None
    call_id: str | None = None
    duration: float = 0.0
    by: str | None = None


# ---- calls ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEvent(Event):
    topic: ClassVar[str] = "call"
    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallArrived(CallEvent):
    direction: str
    caller: str
    callee: str
    priority: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class CallQueued(CallEvent):
    queue_id: str
    priority: int
    position: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOffered(CallEvent):
    """The call rings at one agent (or several, with ring-all)."""

    queue_id: str | None
    agent_ids: tuple[str, ...]
    waited: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOfferEnded(CallEvent):
    """An offer to one agent ended without an answer (timeout, reject, or another agent won)."""

    agent_id: str
    cause: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(CallEvent):
    agent_id: str
    queue_id: str | None
    waited: float
    rang: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallHeld(CallEvent):
    agent_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRetrieved(CallEvent):
    agent_id: str
    held: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred(CallEvent):
    from_agent_id: str
    to_agent_id: str | None = None
    to_queue_id: str | None = None
    to_number: str | None = None
    flow: str = "blind"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultStarted(CallEvent):
    agent_id: str
    consult_call_id: str
    target_agent_id: str | None = None
    target_number: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultAnswered(CallEvent):
    """The consulted colleague answered: tells the consulting agent (``agent_id``), who is not
    named in the consult leg's own CallAnswered, so that their desktop can offer to transfer."""

    agent_id: str
    consult_call_id: str
    target_agent_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultEnded(CallEvent):
    agent_id: str
    consult_call_id: str
    outcome: str  # cancelled | transferred | conferenced


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferenceStarted(CallEvent):
    agent_ids: tuple[str, ...]
    number: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOverflowed(CallEvent):
    """An overflow step fired: the call's reach widened or it moved to another queue."""

    queue_id: str
    step: int
    to_queue_id: str | None = None
    max_penalty: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallExitedQueue(CallEvent):
    """The queue's maximum wait or length was reached; the call took the configured exit."""

    queue_id: str
    cause: str  # max_wait | max_length | no_agents
    action: str  # voicemail | callback | queue | hangup
    waited: float
    to_queue_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAbandoned(CallEvent):
    """The caller hung up before an agent answered."""

    queue_id: str | None
    waited: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(CallEvent):
    agent_id: str | None
    queue_id: str | None
    talk: float
    held: float
    ended_by: str  # caller | agent | supervisor | system


@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisorJoined(CallEvent):
    """A leader listens, whispers to the agent, barges in, or intercepts the call."""

    supervisor_id: str
    mode: str  # listen | whisper | barge | intercept
    agent_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisorLeft(CallEvent):
    supervisor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SatisfactionRated(CallEvent):
    agent_id: str | None
    score: int


# ---- queues ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueChanged(Event):
    """A queue's configuration changed (created, edited or removed)."""

    topic: ClassVar[str] = "queue"
    queue_id: str
    removed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


CALL_FINAL_EVENTS = (CallEnded, CallAbandoned, CallExitedQueue)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenPop(Event):
    """来电弹屏: what the ringing agent's screen shows about the caller (built by the app layer)."""

    topic: ClassVar[str] = "call"
    call_id: str
    agent_ids: tuple[str, ...]
    pop: dict[str, Any] = field(default_factory=dict)
