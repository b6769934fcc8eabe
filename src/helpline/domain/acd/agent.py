"""The agent's soft-phone state machine (NORMS §2: 登录/签出, 就绪/离席, 话后处理, 班长强制).

One table says which command is allowed in which state and where it leads; every
change returns a typed event, and anything the table does not allow raises
:class:`InvalidTransition`, so a state never changes silently.
"""

from __future__ import annotations

from enum import StrEnum

from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.events import AgentStateChanged


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"  # 就绪: idle, may be offered a call
    NOT_READY = "not_ready"  # 离席, with a reason
    RESERVED = "reserved"  # a call rings at the agent (inbound offer or outbound dialing)
    TALKING = "talking"
    ON_HOLD = "on_hold"
    CONSULTING = "consulting"  # the customer on hold while the agent talks to a colleague
    CONFERENCE = "conference"  # three-party call
    WRAP_UP = "wrap_up"  # 话后处理, after-call work


ON_CALL = frozenset(
    {
        AgentState.RESERVED,
        AgentState.TALKING,
        AgentState.ON_HOLD,
        AgentState.CONSULTING,
        AgentState.CONFERENCE,
    }
)
IN_CONVERSATION = ON_CALL - {AgentState.RESERVED}
LOGGED_IN = frozenset(AgentState) - {AgentState.LOGGED_OUT}


class WorkMode(StrEnum):
    """工作模式: what happens after wrap-up."""

    AUTO_IN = "auto_in"  # back to ready when wrap-up ends (default)
    MANUAL_IN = "manual_in"  # stay not ready after every call until the agent readies


S = AgentState
# command -> {from state: to state}
TRANSITIONS: dict[str, dict[AgentState, AgentState]] = {
    "login": {S.LOGGED_OUT: S.NOT_READY},
    "logout": {S.READY: S.LOGGED_OUT, S.NOT_READY: S.LOGGED_OUT, S.WRAP_UP: S.LOGGED_OUT},
    "ready": {S.NOT_READY: S.READY, S.WRAP_UP: S.READY, S.READY: S.READY},
    "not_ready": {S.READY: S.NOT_READY, S.NOT_READY: S.NOT_READY, S.WRAP_UP: S.NOT_READY},
    "offer": {S.READY: S.RESERVED},
    "dial": {S.READY: S.RESERVED, S.NOT_READY: S.RESERVED, S.WRAP_UP: S.RESERVED},
    "offer_lost": {S.RESERVED: S.READY},  # another agent answered first (ring-all)
    "no_answer": {S.RESERVED: S.NOT_READY},
    "answer": {S.RESERVED: S.TALKING},
    "hold": {S.TALKING: S.ON_HOLD},
    "retrieve": {S.ON_HOLD: S.TALKING},
    "consult": {S.TALKING: S.CONSULTING, S.ON_HOLD: S.CONSULTING},
    "consult_end": {S.CONSULTING: S.TALKING},
    "conference": {S.CONSULTING: S.CONFERENCE, S.TALKING: S.CONFERENCE},
    "conference_end": {S.CONFERENCE: S.TALKING},
    "hangup": {
        S.RESERVED: S.WRAP_UP,
        S.TALKING: S.WRAP_UP,
        S.ON_HOLD: S.WRAP_UP,
        S.CONSULTING: S.WRAP_UP,
        S.CONFERENCE: S.WRAP_UP,
    },
    "end_wrap_up": {S.WRAP_UP: S.READY},
    "force_logout": {s: S.LOGGED_OUT for s in (S.READY, S.NOT_READY, S.WRAP_UP, S.RESERVED)},
    "force_not_ready": {s: S.NOT_READY for s in (S.READY, S.NOT_READY, S.WRAP_UP, S.RESERVED)},
    "force_ready": {s: S.READY for s in (S.READY, S.NOT_READY, S.WRAP_UP)},
}
del S

NO_ANSWER_REASON = "no_answer"
LOGIN_REASON = "login"


class Agent:
    """An agent as the core sees it: state, skills, queue memberships and today's tallies."""

    __slots__ = (
        "calls_today",
        "consult_call_id",
        "current_call_id",
        "extension",
        "id",
        "idle_since",
        "name",
        "pending_not_ready",
        "queues",
        "reason",
        "skills",
        "state",
        "state_since",
        "talk_seconds_today",
        "tenant_id",
        "work_mode",
    )

    def __init__(
        self,
        agent_id: str,
        tenant_id: str = "default",
        *,
        name: str = "",
        extension: str = "",
        skills: dict[str, int] | None = None,
        queues: dict[str, int] | None = None,
        work_mode: WorkMode = WorkMode.AUTO_IN,
    ) -> None:
        self.id = agent_id
        self.tenant_id = tenant_id
        self.name = name or agent_id
        self.extension = extension
        self.skills: dict[str, int] = dict(skills or {})
        for skill, level in self.skills.items():
            check_skill_level(skill, level)
        # queue id -> penalty tier (0 is the first tier, as in Asterisk)
        self.queues: dict[str, int] = dict(queues or {})
        self.work_mode = work_mode
        self.state = AgentState.LOGGED_OUT
        self.state_since = 0.0
        self.reason: str | None = None
        self.current_call_id: str | None = None
        self.consult_call_id: str | None = None
        self.pending_not_ready: str | None = None
        self.idle_since = 0.0
        self.calls_today = 0
        self.talk_seconds_today = 0.0

    def __repr__(self) -> str:
        return f"Agent({self.id!r}, {self.state.value})"

    @property
    def available(self) -> bool:
        return self.state is AgentState.READY

    def can(self, command: str) -> bool:
        return self.state in TRANSITIONS[command]

    def apply(
        self,
        command: str,
        now: float,
        *,
        reason: str | None = None,
        call_id: str | None = None,
        by: str | None = None,
    ) -> AgentStateChanged:
        """Carry out ``command`` at time ``now`` and return the event that records it."""
        table = TRANSITIONS.get(command)
        if table is None:
            raise Invalid("unknown_command", f"unknown agent command {command!r}", command=command)
        target = table.get(self.state)
        if target is None:
            raise InvalidTransition(
                "invalid_agent_transition",
                f"agent {self.id} cannot {command.replace('_', ' ')} while {self.state.value}",
                agent_id=self.id,
                state=self.state.value,
                command=command,
            )
        if target is AgentState.NOT_READY and command == "not_ready" and not reason:
            raise Invalid("reason_required", "a not-ready reason is required", field="reason")
        if command == "login":
            reason = reason or LOGIN_REASON
        elif command == "no_answer":
            reason = NO_ANSWER_REASON
        old, duration = self.state, max(0.0, now - self.state_since)
        if old is AgentState.LOGGED_OUT and self.state_since == 0.0:
            duration = 0.0  # never logged in since the core started: time unknown, not "since 1970"
        self.state = target
        self.state_since = now
        self.reason = reason if target is AgentState.NOT_READY else None
        if target is AgentState.READY and old is not AgentState.READY:
            self.idle_since = now
            self.pending_not_ready = None
        previous_call = self.current_call_id
        if command in ("offer", "dial"):
            self.current_call_id = call_id
        elif target in (AgentState.READY, AgentState.NOT_READY, AgentState.LOGGED_OUT):
            self.current_call_id = None
            self.consult_call_id = None
        if target in (AgentState.NOT_READY, AgentState.LOGGED_OUT):
            self.pending_not_ready = None  # the pending request is honoured (or moot)
        return AgentStateChanged(
            tenant_id=self.tenant_id,
            at=now,
            agent_id=self.id,
            old_state=old.value,
            new_state=target.value,
            reason=self.reason,
            call_id=call_id or previous_call,
            duration=duration,
            by=by,
        )

    def count_call(self, talk_seconds: float) -> None:
        """Today's tallies, which the fewest-calls and least-talk strategies read."""
        self.calls_today += 1
        self.talk_seconds_today += talk_seconds

    def reset_day(self) -> None:
        self.calls_today = 0
        self.talk_seconds_today = 0.0

    def qualifies(self, required: dict[str, int]) -> bool:
        """True when the agent has every required skill at or above its minimum level."""
        skills = self.skills
        for skill, minimum in required.items():  # noqa: SIM110 - a plain loop is faster here
            if skills.get(skill, 0) < minimum:
                return False
        return True

    def skill_score(self, skills: dict[str, int] | frozenset[str]) -> int:
        return sum(self.skills.get(s, 0) for s in skills)


def check_skill_level(skill: str, level: int) -> None:
    if not skill:
        raise Invalid("invalid_skill", "a skill needs a name", field="skills")
    if not 1 <= level <= 10:
        raise Invalid("invalid_skill_level", "skill levels run from 1 to 10", field="skills", skill=skill)
