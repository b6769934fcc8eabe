"""Consult (内部/外部咨询), attended transfer and three-party conference (三方会议).

The consult leg is a call of its own (``call.data["consult_for"]`` names the customer's call);
:attr:`Consults._consult_of` maps a customer's call to its consult leg while it lasts.
"""

from __future__ import annotations

from collections.abc import Iterable

from helpline.domain.acd.agent import Agent, AgentState
from helpline.domain.acd.call import Call, CallState, Direction
from helpline.domain.acd.call_control import CallControl
from helpline.domain.acd.core import DEFAULT_NOT_READY_REASONS, Events
from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.events import (
    CallAnswered,
    CallEnded,
    CallOfferEnded,
    CallRetrieved,
    CallTransferred,
    ConferenceStarted,
    ConsultAnswered,
    ConsultEnded,
    ConsultStarted,
)


class Consults(CallControl):
    def __init__(
        self,
        tenant_id: str = "default",
        *,
        seed: int = 0,
        not_ready_reasons: Iterable[str] = DEFAULT_NOT_READY_REASONS,
        default_ring_timeout: float = 15.0,
        default_wrapup: float = 0.0,
    ) -> None:
        super().__init__(
            tenant_id,
            seed=seed,
            not_ready_reasons=not_ready_reasons,
            default_ring_timeout=default_ring_timeout,
            default_wrapup=default_wrapup,
        )
        self._consult_of: dict[str, str] = {}  # customer call id -> consult call id

    def consult(
        self,
        call_id: str,
        agent_id: str,
        consult_call_id: str,
        now: float,
        *,
        to_agent_id: str | None = None,
        to_number: str | None = None,
    ) -> Events:
        """内部/外部咨询: the caller waits on hold while the agent talks to a colleague."""
        if (to_agent_id is None) == (to_number is None):
            raise Invalid("one_target", "name exactly one of to_agent_id, to_number")
        call, agent = self._owned_call(call_id, agent_id)
        if call.id in self._consult_of:
            raise InvalidTransition("already_consulting", "a consult is already under way", call_id=call_id)
        target = self.agent(to_agent_id) if to_agent_id else None
        if target is not None and (not target.available or target.id == agent_id):
            raise InvalidTransition(
                "agent_not_available",
                f"agent {to_agent_id} is not ready",
                agent_id=to_agent_id,
                state=target.state.value,
            )
        if not agent.can("consult"):
            agent.apply("consult", now)  # raises InvalidTransition before anything changes
        consult = Call(
            consult_call_id,
            self.tenant_id,
            caller=agent.extension or agent.id,
            callee=to_number or (target.extension if target else ""),
            direction=Direction.INTERNAL if target else Direction.OUTBOUND,
            data={"consult_for": call_id, "from_agent": agent_id},
        )
        out = self.arrive(consult, now)
        out.append(self._transition(agent, "consult", now, call_id=call_id))
        agent.consult_call_id = consult_call_id
        self._put_on_hold(call, now)
        self._consult_of[call_id] = consult_call_id
        out.append(
            ConsultStarted(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                agent_id=agent_id,
                consult_call_id=consult_call_id,
                target_agent_id=to_agent_id,
                target_number=to_number,
            )
        )
        if target is not None:
            self._offer(consult, [target], now, out)
        else:
            consult.state = CallState.DIALING
        return out

    def _consult_answered(self, consult: Call, agent: Agent, now: float, out: Events) -> None:
        out.append(
            CallAnswered(
                tenant_id=self.tenant_id,
                at=now,
                call_id=consult.id,
                agent_id=agent.id,
                queue_id=None,
                waited=0.0,
                rang=now - consult.offered_at,
            )
        )
        out.append(
            ConsultAnswered(
                tenant_id=self.tenant_id,
                at=now,
                call_id=str(consult.data["consult_for"]),
                agent_id=str(consult.data["from_agent"]),
                consult_call_id=consult.id,
                target_agent_id=agent.id,
            )
        )

    def _consult_failed(self, consult: Call, now: float, out: Events) -> None:
        self._end_consult(consult, now, "cancelled", out)

    def _end_consult(
        self, consult: Call, now: float, outcome: str, out: Events, *, restore: bool = True
    ) -> None:
        """Close the consult leg; with ``restore`` the first agent returns to the caller."""
        customer_id = str(consult.data["consult_for"])
        from_agent = self.agents[str(consult.data["from_agent"])]
        self._consult_of.pop(customer_id, None)
        self._cancel("ring", consult.id)
        rung = [self.agents[agent_id] for agent_id in sorted(consult.offered_to)]
        for target in rung:
            out.append(
                CallOfferEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=consult.id,
                    agent_id=target.id,
                    cause="consult_cancelled",
                )
            )
            out.append(self._transition(target, "offer_lost", now, call_id=consult.id))
        consult.offered_to = set()
        helper = self.agents.get(consult.agent_id or "")
        consult.state = CallState.ENDED
        consult.ended_at = now
        out.append(
            ConsultEnded(
                tenant_id=self.tenant_id,
                at=now,
                call_id=customer_id,
                agent_id=from_agent.id,
                consult_call_id=consult.id,
                outcome=outcome,
            )
        )
        if outcome == "cancelled" and helper is not None and helper.current_call_id == consult.id:
            self._agent_leaves(helper, consult, now, out, wrapup=0.0)
        from_agent.consult_call_id = None
        if restore and from_agent.state is AgentState.CONSULTING:
            customer = self.calls[customer_id]
            out.append(self._transition(from_agent, "consult_end", now, call_id=customer_id))
            held = self._take_off_hold(customer, now)
            out.append(
                CallRetrieved(
                    tenant_id=self.tenant_id, at=now, call_id=customer_id, agent_id=from_agent.id, held=held
                )
            )
        for target in rung:  # the colleague who was rung is free again: give them a call
            self._route_agent(target, now, out)

    def _answered_consult(self, call_id: str, agent_id: str) -> Call:
        consult_id = self._consult_of.get(call_id)
        agent = self.agent(agent_id)
        if consult_id is None or agent.state is not AgentState.CONSULTING:
            raise InvalidTransition("no_consult", "there is no consult on this call", call_id=call_id)
        consult = self.calls[consult_id]
        if consult.state is not CallState.TALKING:
            raise InvalidTransition(
                "consult_not_answered", "the consulted party has not answered", call_id=call_id
            )
        return consult

    def cancel_consult(self, call_id: str, agent_id: str, now: float) -> Events:
        consult_id = self._consult_of.get(call_id)
        if consult_id is None or self.agent(agent_id).consult_call_id != consult_id:
            raise InvalidTransition("no_consult", "there is no consult on this call", call_id=call_id)
        out: Events = []
        self._end_consult(self.calls[consult_id], now, "cancelled", out)
        return out

    def complete_transfer(self, call_id: str, agent_id: str, now: float) -> Events:
        """Attended transfer: after consulting, hand the caller to the consulted party."""
        consult = self._answered_consult(call_id, agent_id)
        call, agent = self.calls[call_id], self.agents[agent_id]
        helper = self.agents.get(consult.agent_id or "")
        out: Events = []
        self._end_consult(consult, now, "transferred", out, restore=False)
        self._take_off_hold(call, now)
        out.append(
            CallTransferred(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                from_agent_id=agent_id,
                to_agent_id=helper.id if helper else None,
                to_number=None if helper else consult.callee,
                flow="attended",
            )
        )
        agent.current_call_id = call_id
        self._agent_leaves(agent, call, now, out)
        if helper is not None:
            helper.current_call_id = call_id
            call.agent_id = helper.id
        else:
            call.state = CallState.ENDED
            call.ended_at = now
            out.append(
                CallEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call_id,
                    agent_id=agent_id,
                    queue_id=call.queue_id,
                    talk=call.talk_time(now),
                    held=call.held_total,
                    ended_by="transfer",
                )
            )
        return out

    def conference(self, call_id: str, agent_id: str, now: float) -> Events:
        """三方会议: join the caller, the agent and the consulted party."""
        consult = self._answered_consult(call_id, agent_id)
        call, agent = self.calls[call_id], self.agents[agent_id]
        helper = self.agents.get(consult.agent_id or "")
        out: Events = []
        self._end_consult(consult, now, "conferenced", out, restore=False)
        out.append(self._transition(agent, "conference", now, call_id=call_id))
        agent.current_call_id = call_id
        members = [agent_id]
        if helper is not None:
            out.append(self._transition(helper, "conference", now, call_id=call_id))
            helper.current_call_id = call_id
            members.append(helper.id)
        call.data["conference"] = members
        self._take_off_hold(call, now)
        out.append(
            ConferenceStarted(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                agent_ids=tuple(members),
                number=None if helper else consult.callee,
            )
        )
        return out

    def _leave_conference(self, call: Call, agent_id: str, now: float, out: Events) -> bool:
        """One agent leaves a conference; the call goes on. False when it is no conference."""
        members: list[str] = call.data.get("conference", [])
        if agent_id not in members or len(members) < 2:
            return False
        members.remove(agent_id)
        agent = self.agents[agent_id]
        self._agent_leaves(agent, call, now, out)
        if call.agent_id == agent_id:
            call.agent_id = members[0]
        if len(members) == 1:
            remaining = self.agents[members[0]]
            call.data.pop("conference")
            out.append(self._transition(remaining, "conference_end", now, call_id=call.id))
        return True

    def _end_side_legs(self, call: Call, now: float, out: Events) -> None:
        consult_id = self._consult_of.pop(call.id, None)
        if consult_id is not None:
            self._end_consult(self.calls[consult_id], now, "cancelled", out, restore=False)
