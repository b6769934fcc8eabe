"""外拨 (dial-out): the agent calls an outside number and is reserved until the far end answers.

The far end of a consult to an outside number answers the same way.
"""

from __future__ import annotations

from helpline.domain.acd.call import Call, CallState, Direction
from helpline.domain.acd.consults import Consults
from helpline.domain.acd.core import Events
from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.events import (
    CallAnswered,
)


class DialOut(Consults):
    def dial(self, agent_id: str, number: str, call_id: str, now: float) -> Events:
        """外拨: the agent calls out; the agent is reserved until the far end answers."""
        agent = self.agent(agent_id)
        if not number:
            raise Invalid("number_required", "a number to dial is required", field="number")
        if call_id in self.calls:
            raise InvalidTransition("duplicate_call", f"call {call_id} exists", call_id=call_id)
        call = Call(
            call_id,
            self.tenant_id,
            caller=agent.extension or agent.id,
            callee=number,
            direction=Direction.OUTBOUND,
        )
        out: Events = [self._transition(agent, "dial", now, call_id=call_id)]
        out += self.arrive(call, now)
        call.state = CallState.DIALING
        call.agent_id = agent_id
        call.offered_at = now
        return out

    def far_end_answered(self, call_id: str, now: float) -> Events:
        call = self.call(call_id)
        if call.state is not CallState.DIALING:
            raise InvalidTransition("not_dialing", f"call {call_id} is {call.state.value}", call_id=call_id)
        if call.agent_id is not None and not self.agents[call.agent_id].can("answer"):
            self.agents[call.agent_id].apply("answer", now)  # raises; the call is left as it was
        call.state = CallState.TALKING
        call.answered_at = now
        if call.agent_id is None:  # an outside party answered a consult
            return [
                CallAnswered(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call_id,
                    agent_id=str(call.data.get("from_agent", "")),
                    queue_id=None,
                    waited=0.0,
                    rang=now - call.arrived_at,
                )
            ]
        agent = self.agents[call.agent_id]
        self._segment_start[agent.id] = now
        return [
            self._transition(agent, "answer", now, call_id=call_id),
            CallAnswered(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                agent_id=agent.id,
                queue_id=None,
                waited=0.0,
                rang=now - call.offered_at,
            ),
        ]
