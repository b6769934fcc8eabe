"""Offers: a ringing call is answered, rejected, times out or is withdrawn.

An offer that fails sends the call back to the head of its queue (or to the queue's exit).
"""

from __future__ import annotations

from helpline.domain.acd.agent import Agent
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.core import Events, idle_order
from helpline.domain.acd.queueing import Queueing
from helpline.domain.errors import InvalidTransition
from helpline.domain.events import (
    CallAnswered,
    CallEnded,
    CallOfferEnded,
)


class Offers(Queueing):
    def _on_ring(self, call_id: str, now: float, _arg: int, out: Events) -> None:
        call = self.calls.get(call_id)
        if call is None or call.state is not CallState.OFFERED:
            return
        for agent_id in sorted(call.offered_to):
            agent = self.agents[agent_id]
            out.append(
                CallOfferEnded(
                    tenant_id=self.tenant_id, at=now, call_id=call_id, agent_id=agent_id, cause="timeout"
                )
            )
            out.append(self._transition(agent, "no_answer", now, call_id=call_id))
        call.offered_to = set()
        self._return_unanswered(call, now, out)

    def _return_unanswered(self, call: Call, now: float, out: Events) -> None:
        """An offer failed: back to the head of its queue (or the queue's exit)."""
        if "consult_for" in call.data:
            self._consult_failed(call, now, out)
            return
        if call.queue_id is None:
            call.state = CallState.EXITED
            call.ended_at = now
            out.append(
                CallEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call.id,
                    agent_id=None,
                    queue_id=None,
                    talk=0.0,
                    held=call.held_total,
                    ended_by="system",
                )
            )
            return
        config = self.queue_config(call.queue_id)
        if call.answered_at is not None:
            # a transferred call that the target did not take: its queue timers ended when it
            # was first answered, so it enters the queue afresh
            call.state = CallState.ARRIVED
            self._enter_queue(call, call.queue_id, now, out, first=False)
            return
        call.state = CallState.QUEUED
        moved_to = next(
            (step.to_queue_id for step in config.overflow[: call.overflow_step] if step.to_queue_id), None
        )
        if moved_to is not None:
            # an overflow step moved the call while it rang: carry the move out now
            self._enter_queue(call, moved_to, now, out, first=False)
            return
        if config.max_wait is not None and now >= call.entered_queue_at + config.max_wait:
            self._exit(call, "max_wait", now, out)
            return
        self.router.queue(call.queue_id).add_waiting(call)
        self._route_call(call, now, out)

    def _withdraw_offer(self, agent: Agent, now: float, cause: str, out: Events) -> None:
        """Take back a ringing offer from one agent (forced action or reject)."""
        call = self.calls.get(agent.current_call_id or "")
        if call is not None and call.state is CallState.DIALING and call.agent_id == agent.id:
            # the agent's own outbound call, still ringing at the far end: it cannot go on
            call.state = CallState.ENDED
            call.ended_at = now
            out.append(
                CallEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call.id,
                    agent_id=agent.id,
                    queue_id=None,
                    talk=0.0,
                    held=0.0,
                    ended_by="supervisor",
                )
            )
            return
        if call is None or call.state is not CallState.OFFERED:
            return
        call.offered_to.discard(agent.id)
        out.append(
            CallOfferEnded(tenant_id=self.tenant_id, at=now, call_id=call.id, agent_id=agent.id, cause=cause)
        )
        if not call.offered_to:
            self._cancel("ring", call.id)
            self._return_unanswered(call, now, out)

    def reject(self, call_id: str, agent_id: str, now: float) -> Events:
        """The agent declines a ringing call: treated as no answer (the agent goes not ready)."""
        call, agent = self.call(call_id), self.agent(agent_id)
        if call.state is not CallState.OFFERED or agent_id not in call.offered_to:
            raise InvalidTransition(
                "call_not_offered_to_agent",
                "this call is not ringing here",
                call_id=call_id,
                agent_id=agent_id,
            )
        out: Events = []
        self._withdraw_offer(agent, now, "rejected", out)
        out.append(self._transition(agent, "no_answer", now, call_id=call_id))
        return out

    def answer(self, call_id: str, agent_id: str, now: float) -> Events:
        call, agent = self.call(call_id), self.agent(agent_id)
        if call.state is not CallState.OFFERED or agent_id not in call.offered_to:
            raise InvalidTransition(
                "call_not_offered_to_agent",
                "this call is not ringing here",
                call_id=call_id,
                agent_id=agent_id,
            )
        self._cancel("ring", call_id)
        self._cancel("queue", call_id)
        out: Events = [self._transition(agent, "answer", now, call_id=call_id)]
        losers = [self.agents[other_id] for other_id in sorted(call.offered_to - {agent_id})]
        for other in losers:
            out.append(
                CallOfferEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call_id,
                    agent_id=other.id,
                    cause="answered_elsewhere",
                )
            )
            out.append(self._transition(other, "offer_lost", now, call_id=call_id))
        call.offered_to = set()
        call.state = CallState.TALKING
        call.agent_id = agent_id
        first_answer = call.answered_at is None
        if first_answer:
            call.answered_at = now
        self._segment_start[agent_id] = now
        if "consult_for" in call.data:
            self._consult_answered(call, agent, now, out)
        else:
            out.append(
                CallAnswered(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call_id,
                    agent_id=agent_id,
                    queue_id=call.queue_id,
                    waited=now - call.enqueued_at if first_answer else 0.0,
                    rang=now - call.offered_at,
                )
            )
        for other in sorted(losers, key=idle_order):
            self._route_agent(other, now, out)
        return out

    # ---- hooks that consults fill in ---------------------------------------------------

    def _consult_answered(self, consult: Call, agent: Agent, now: float, out: Events) -> None:
        raise NotImplementedError

    def _consult_failed(self, consult: Call, now: float, out: Events) -> None:
        raise NotImplementedError
