"""内呼 (internal call): an agent calls a colleague directly, outside any queue.

The call rings at the colleague like an offer (direction ``internal``); the calling agent is
reserved meanwhile (as for a dial-out) and talks once the colleague answers. Whoever hangs up
ends it for both; a colleague who declines or does not answer ends it too (it never enters a
queue). ``call.data["internal_from"]`` names the calling agent.
"""

from __future__ import annotations

from helpline.domain.acd.agent import Agent
from helpline.domain.acd.call import Call, Direction
from helpline.domain.acd.core import Events
from helpline.domain.acd.supervision import Supervision
from helpline.domain.errors import InvalidTransition

INTERNAL_FROM = "internal_from"


class InternalCalls(Supervision):
    def call_colleague(self, agent_id: str, to_agent_id: str, call_id: str, now: float) -> Events:
        """Ring colleague ``to_agent_id`` for ``agent_id``; the colleague must be ready."""
        agent, target = self.agent(agent_id), self.agent(to_agent_id)
        if target.id == agent.id or not target.available:
            raise InvalidTransition(
                "agent_not_available",
                f"agent {to_agent_id} is not ready",
                agent_id=to_agent_id,
                state=target.state.value,
            )
        if call_id in self.calls:
            raise InvalidTransition("duplicate_call", f"call {call_id} exists", call_id=call_id)
        if not agent.can("dial"):
            agent.apply("dial", now)  # raises InvalidTransition before anything changes
        call = Call(
            call_id,
            self.tenant_id,
            caller=agent.extension or agent.id,
            callee=target.extension or target.id,
            direction=Direction.INTERNAL,
            data={INTERNAL_FROM: agent.id},
        )
        out: Events = [self._transition(agent, "dial", now, call_id=call_id)]
        out += self.arrive(call, now)
        self._offer(call, [target], now, out)
        return out

    def _internal_caller(self, call: Call) -> Agent | None:
        caller_id = call.data.get(INTERNAL_FROM)
        return self.agents.get(str(caller_id)) if caller_id else None

    def answer(self, call_id: str, agent_id: str, now: float) -> Events:
        out = super().answer(call_id, agent_id, now)
        caller = self._internal_caller(self.calls[call_id])
        if caller is not None and caller.current_call_id == call_id and caller.can("answer"):
            self._segment_start[caller.id] = now
            out.append(self._transition(caller, "answer", now, call_id=call_id))
        return out

    def hangup(self, call_id: str, now: float, *, by: str = "caller", agent_id: str | None = None) -> Events:
        call = self.call(call_id)
        caller = self._internal_caller(call)
        if caller is None or call.is_final:
            return super().hangup(call_id, now, by=by, agent_id=agent_id)
        if agent_id is not None and agent_id in call.offered_to:
            return super().hangup(call_id, now, by=by, agent_id=agent_id)  # declined: see below
        # either agent (or a supervisor) ends it: never an abandoned call, both leave
        out = super().hangup(call_id, now, by="agent" if by == "caller" else by)
        self._release_caller(call, caller, now, out)
        return out

    def _return_unanswered(self, call: Call, now: float, out: Events) -> None:
        caller = self._internal_caller(call)
        super()._return_unanswered(call, now, out)  # no queue: the call ends
        if caller is not None:
            self._release_caller(call, caller, now, out)

    def _release_caller(self, call: Call, caller: Agent, now: float, out: Events) -> None:
        if caller.current_call_id == call.id:
            self._agent_leaves(caller, call, now, out)
