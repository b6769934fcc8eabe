"""Endings: a party hangs up, the agents leave the call and do their after-call work.

An unanswered call hung up by the caller is abandoned; an answered one ends with its talk and
hold time, and each agent on it goes to wrap-up (after-call work) for the queue's time.
"""

from __future__ import annotations

from helpline.domain.acd.agent import Agent, AgentState, WorkMode
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.core import Events, idle_order
from helpline.domain.acd.offers import Offers
from helpline.domain.acd.queue import AfterWrapUp
from helpline.domain.errors import InvalidTransition
from helpline.domain.events import (
    CallAbandoned,
    CallEnded,
    CallOfferEnded,
)


class Endings(Offers):
    def hangup(self, call_id: str, now: float, *, by: str = "caller", agent_id: str | None = None) -> Events:
        """A party hangs up. Unanswered and hung up by the caller is an abandoned call.

        ``agent_id`` names the agent who hung up when several are on the call (conference);
        that agent leaves and the call goes on with the others.
        """
        call = self.call(call_id)
        if call.is_final:
            raise InvalidTransition("call_ended", f"call {call_id} has ended", call_id=call_id)
        if agent_id is not None and call.state is CallState.OFFERED and agent_id in call.offered_to:
            return self.reject(call_id, agent_id, now)  # hanging up a ringing phone declines it
        out: Events = []
        if agent_id is not None and self._leave_conference(call, agent_id, now, out):
            return out
        if "consult_for" in call.data:
            self._end_consult(call, now, "cancelled", out)
            return out
        if call.state in (CallState.ARRIVED, CallState.QUEUED, CallState.OFFERED):
            self._end_unanswered(call, now, by, out)
        else:
            self._end_answered(call, now, by, out)
        return out

    def _end_unanswered(self, call: Call, now: float, by: str, out: Events) -> None:
        self._cancel("ring", call.id)
        self._cancel("queue", call.id)
        if call.queue_id is not None:
            self.router.queue(call.queue_id).remove_waiting(call.id)
        losers = [self.agents[a] for a in sorted(call.offered_to)]
        for agent in losers:
            out.append(
                CallOfferEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call.id,
                    agent_id=agent.id,
                    cause="caller_hung_up",
                )
            )
            out.append(self._transition(agent, "offer_lost", now, call_id=call.id))
        call.offered_to = set()
        call.ended_at = now
        if by == "caller" and call.state is not CallState.ARRIVED:
            call.state = CallState.ABANDONED
            out.append(
                CallAbandoned(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call.id,
                    queue_id=call.queue_id,
                    waited=call.waited(now),
                )
            )
        else:
            call.state = CallState.ENDED
            out.append(
                CallEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call.id,
                    agent_id=None,
                    queue_id=call.queue_id,
                    talk=0.0,
                    held=0.0,
                    ended_by=by,
                )
            )
        for agent in sorted(losers, key=idle_order):
            self._route_agent(agent, now, out)

    def _end_answered(self, call: Call, now: float, by: str, out: Events) -> None:
        if call.held_since is not None:
            call.held_total += now - call.held_since
            call.held_since = None
        self._end_side_legs(call, now, out)
        call.state = CallState.ENDED
        call.ended_at = now
        participants = [call.agent_id] if call.agent_id else []
        participants += [a for a in call.data.pop("conference", ()) if a not in participants]
        out.append(
            CallEnded(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                agent_id=call.agent_id,
                queue_id=call.queue_id,
                talk=call.talk_time(now),
                held=call.held_total,
                ended_by=by,
            )
        )
        for agent_id in participants:
            agent = self.agents.get(agent_id)
            if agent is not None and agent.current_call_id == call.id:
                self._agent_leaves(agent, call, now, out)

    def _agent_leaves(
        self, agent: Agent, call: Call, now: float, out: Events, wrapup: float | None = None
    ) -> None:
        """The agent's part in a call is over: count it and start after-call work."""
        talk = now - self._segment_start.pop(agent.id, now)
        agent.count_call(talk)
        call.data["last_agent"] = agent.id  # who the caller rates once the agent is gone
        out.append(self._transition(agent, "hangup", now, call_id=call.id))
        if wrapup is None:
            wrapup = (
                self.queue_config(call.queue_id).wrapup_seconds
                if call.queue_id in self.router.queues
                else self.default_wrapup
            )
        self._wrap_queue[agent.id] = call.queue_id
        if wrapup > 0:
            self._schedule(now + wrapup, "wrap", agent.id)
        else:
            self._finish_wrapup(agent, now, out, timed_out=False)

    def _on_wrap(self, agent_id: str, now: float, _arg: int, out: Events) -> None:
        agent = self.agents.get(agent_id)
        if agent is not None and agent.state is AgentState.WRAP_UP:
            self._finish_wrapup(agent, now, out, timed_out=True)

    def _finish_wrapup(self, agent: Agent, now: float, out: Events, *, timed_out: bool) -> None:
        self._cancel("wrap", agent.id)
        queue_id = self._wrap_queue.pop(agent.id, None)
        after = AfterWrapUp.READY
        if timed_out and queue_id in self.router.queues:
            after = self.queue_config(str(queue_id)).after_wrapup
        if agent.pending_not_ready:
            reason = agent.pending_not_ready
            out.append(self._transition(agent, "not_ready", now, reason=reason))
        elif agent.work_mode is WorkMode.MANUAL_IN:
            out.append(self._transition(agent, "not_ready", now, reason="manual_in"))
        elif after is AfterWrapUp.NOT_READY:
            out.append(self._transition(agent, "not_ready", now, reason="wrap_up_timeout"))
        else:
            out.append(self._transition(agent, "end_wrap_up", now, index=False))
            self._route_agent(agent, now, out, indexed=False)

    # ---- hooks that call control fills in ----------------------------------------------

    def _leave_conference(self, call: Call, agent_id: str, now: float, out: Events) -> bool:
        return False

    def _end_consult(
        self, consult: Call, now: float, outcome: str, out: Events, *, restore: bool = True
    ) -> None:
        raise NotImplementedError

    def _end_side_legs(self, call: Call, now: float, out: Events) -> None:
        """A call that ends takes its consult leg (if any) with it."""
