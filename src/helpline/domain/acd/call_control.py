"""Call control on answered calls: hold and blind transfer, and the checks every command shares.

Consults, conferences, dial-out and supervisors build on it (:mod:`consults`,
:mod:`dial_out`, :mod:`supervision`). Shapes follow Wazo's call API: transfers have a flow
(blind or attended), and a supervisor's presence on a call has a mode.
"""

from __future__ import annotations

from helpline.domain.acd.agent import IN_CONVERSATION, Agent, AgentState
from helpline.domain.acd.agent_commands import AgentCommands
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.core import Events
from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.events import (
    CallEnded,
    CallHeld,
    CallRetrieved,
    CallTransferred,
)


class CallControl(AgentCommands):
    # ---- helpers -----------------------------------------------------------------------

    def _owned_call(self, call_id: str, agent_id: str) -> tuple[Call, Agent]:
        call, agent = self.call(call_id), self.agent(agent_id)
        if (
            agent.current_call_id != call_id
            or agent.state not in IN_CONVERSATION
            or call.state not in (CallState.TALKING, CallState.ON_HOLD)
        ):
            raise InvalidTransition(
                "not_on_this_call",
                f"agent {agent_id} is not on call {call_id}",
                call_id=call_id,
                agent_id=agent_id,
            )
        if "consult_for" in call.data:
            # the consulted colleague's leg: the consulting agent decides its fate; hang up to leave
            raise InvalidTransition(
                "consult_leg", "a consult call can only be hung up", call_id=call_id, agent_id=agent_id
            )
        return call, agent

    def _put_on_hold(self, call: Call, now: float) -> None:
        if call.held_since is None:
            call.held_since = now
        call.state = CallState.ON_HOLD

    def _take_off_hold(self, call: Call, now: float) -> float:
        held = 0.0
        if call.held_since is not None:
            held = now - call.held_since
            call.held_total += held
            call.held_since = None
        call.state = CallState.TALKING
        return held

    # ---- hold --------------------------------------------------------------------------

    def hold(self, call_id: str, agent_id: str, now: float) -> Events:
        """保持: the caller hears music; the 30-second hold norm is timed from here."""
        call, agent = self._owned_call(call_id, agent_id)
        out: Events = [self._transition(agent, "hold", now, call_id=call_id)]
        self._put_on_hold(call, now)
        out.append(CallHeld(tenant_id=self.tenant_id, at=now, call_id=call_id, agent_id=agent_id))
        return out

    def retrieve(self, call_id: str, agent_id: str, now: float) -> Events:
        call, agent = self._owned_call(call_id, agent_id)
        out: Events = [self._transition(agent, "retrieve", now, call_id=call_id)]
        held = self._take_off_hold(call, now)
        out.append(
            CallRetrieved(tenant_id=self.tenant_id, at=now, call_id=call_id, agent_id=agent_id, held=held)
        )
        return out

    # ---- blind transfer ----------------------------------------------------------------

    def transfer(
        self,
        call_id: str,
        agent_id: str,
        now: float,
        *,
        to_queue_id: str | None = None,
        to_agent_id: str | None = None,
        to_number: str | None = None,
    ) -> Events:
        """Blind transfer (盲转) to a queue, an agent or an outside number."""
        if sum(x is not None for x in (to_queue_id, to_agent_id, to_number)) != 1:
            raise Invalid("one_target", "name exactly one of to_queue_id, to_agent_id, to_number")
        call, agent = self._owned_call(call_id, agent_id)
        target = self._transfer_target(agent, to_queue_id, to_agent_id)
        out: Events = [
            CallTransferred(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                from_agent_id=agent_id,
                to_agent_id=to_agent_id,
                to_queue_id=to_queue_id,
                to_number=to_number,
            )
        ]
        if call.held_since is not None:
            self._take_off_hold(call, now)
        self._agent_leaves(agent, call, now, out)
        call.agent_id = None
        self._blind_hand_over(call, agent_id, now, out, to_queue_id, target, to_number)
        return out

    def _transfer_target(
        self, agent: Agent, to_queue_id: str | None, to_agent_id: str | None
    ) -> Agent | None:
        """Check that the agent may transfer and the target can take the call; the target agent."""
        if agent.state not in (AgentState.TALKING, AgentState.ON_HOLD):
            # consulting: complete or cancel the consult; in a conference: leave it
            raise InvalidTransition(
                "invalid_agent_transition",
                f"agent {agent.id} cannot transfer while {agent.state.value}",
                agent_id=agent.id,
                state=agent.state.value,
                command="transfer",
            )
        if to_queue_id is not None:
            self.router.queue(to_queue_id)
        target = self.agent(to_agent_id) if to_agent_id else None
        if target is not None and not target.available:
            raise InvalidTransition(
                "agent_not_available",
                f"agent {to_agent_id} is not ready",
                agent_id=to_agent_id,
                state=target.state.value,
            )
        return target

    def _blind_hand_over(
        self,
        call: Call,
        agent_id: str,
        now: float,
        out: Events,
        to_queue_id: str | None,
        target: Agent | None,
        to_number: str | None,
    ) -> None:
        """The caller goes to the outside number (the call ends here), the queue or the agent."""
        if to_number is not None:
            call.state = CallState.ENDED
            call.ended_at = now
            out.append(
                CallEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call.id,
                    agent_id=agent_id,
                    queue_id=call.queue_id,
                    talk=call.talk_time(now),
                    held=call.held_total,
                    ended_by="transfer",
                )
            )
        elif to_queue_id is not None:
            call.state = CallState.ARRIVED
            self._enter_queue(call, to_queue_id, now, out, first=False)
        elif target is not None:
            self._offer(call, [target], now, out)
