"""Agent commands: log in and out, ready, not ready (离席), end wrap-up, and their forced forms.

A not-ready request during a call waits for the call to end; a forced command from a
supervisor takes back a ringing offer first.
"""

from __future__ import annotations

from helpline.domain.acd.agent import ON_CALL, AgentState
from helpline.domain.acd.core import SYSTEM_REASONS, Events
from helpline.domain.acd.endings import Endings
from helpline.domain.errors import Invalid, InvalidTransition


class AgentCommands(Endings):
    def login(self, agent_id: str, now: float, *, ready: bool = False) -> Events:
        agent = self.agent(agent_id)
        out: Events = [self._transition(agent, "login", now, reason="login")]
        if ready:
            out += self.ready(agent_id, now)
        return out

    def logout(self, agent_id: str, now: float) -> Events:
        agent = self.agent(agent_id)
        out: Events = [self._transition(agent, "logout", now)]
        self._cancel("wrap", agent_id)
        return out

    def ready(self, agent_id: str, now: float, *, by: str | None = None) -> Events:
        agent = self.agent(agent_id)
        if agent.state in ON_CALL and agent.pending_not_ready:
            agent.pending_not_ready = None  # the agent changed their mind during the call
            return []
        command = "force_ready" if by else "ready"
        out: Events = [self._transition(agent, command, now, by=by, index=False)]
        self._cancel("wrap", agent_id)
        self._route_agent(agent, now, out, indexed=False)
        return out

    def not_ready(self, agent_id: str, reason: str, now: float, *, by: str | None = None) -> Events:
        """离席: at once when idle; after the current call when on one (a pending request)."""
        agent = self.agent(agent_id)
        if reason not in self.not_ready_reasons and reason not in SYSTEM_REASONS:
            raise Invalid(
                "unknown_reason",
                f"unknown not-ready reason {reason!r}",
                field="reason",
                allowed=sorted(self.not_ready_reasons),
            )
        if agent.state is AgentState.RESERVED and by:
            out: Events = []
            self._withdraw_offer(agent, now, "forced", out)
            out.append(self._transition(agent, "force_not_ready", now, reason=reason, by=by))
            return out
        if agent.state in ON_CALL:
            agent.pending_not_ready = reason
            return []
        command = "force_not_ready" if by else "not_ready"
        out = [self._transition(agent, command, now, reason=reason, by=by)]
        self._cancel("wrap", agent_id)
        return out

    def end_wrap_up(self, agent_id: str, now: float) -> Events:
        agent = self.agent(agent_id)
        if agent.state is not AgentState.WRAP_UP:
            raise InvalidTransition(
                "not_in_wrap_up",
                f"agent {agent_id} is not in wrap-up",
                agent_id=agent_id,
                state=agent.state.value,
            )
        out: Events = []
        self._finish_wrapup(agent, now, out, timed_out=False)
        return out

    def force_logout(self, agent_id: str, now: float, *, by: str) -> Events:
        agent = self.agent(agent_id)
        out: Events = []
        if not agent.can("force_logout"):
            agent.apply("force_logout", now, by=by)  # raises InvalidTransition, changes nothing
        if agent.state is AgentState.RESERVED:
            self._withdraw_offer(agent, now, "forced", out)
        out.append(self._transition(agent, "force_logout", now, by=by))
        self._cancel("wrap", agent_id)
        return out

    def force_not_ready(self, agent_id: str, now: float, *, by: str, reason: str = "forced") -> Events:
        return self.not_ready(agent_id, reason, now, by=by)

    def force_ready(self, agent_id: str, now: float, *, by: str) -> Events:
        return self.ready(agent_id, now, by=by)
