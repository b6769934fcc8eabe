"""The ACD core for one tenant: configuration, agent commands, queueing, offers, endings.

Every public method takes ``now`` and returns the events it caused, in order. It does no
I/O and reads no clock. :class:`helpline.domain.acd.center.ContactCenter` adds call control on
top of it; the hooks at the end of :class:`AcdCore` are where the two meet.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from helpline.domain.acd.agent import ON_CALL, Agent, AgentState, WorkMode
from helpline.domain.acd.call import WAITING, Call, CallState
from helpline.domain.acd.queue import AfterWrapUp, ExitAction, QueueConfig
from helpline.domain.acd.routing import Router
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import (
    CallAbandoned,
    CallAnswered,
    CallArrived,
    CallEnded,
    CallExitedQueue,
    CallOffered,
    CallOfferEnded,
    CallOverflowed,
    CallQueued,
    Event,
)
from helpline.domain.timers import Timer, Timers

DEFAULT_NOT_READY_REASONS = ("break", "meal", "training", "meeting", "after_call", "other")
SYSTEM_REASONS = frozenset({"login", "no_answer", "wrap_up_timeout", "manual_in", "forced"})
Events = list[Event]


class AcdCore:
    def __init__(
        self,
        tenant_id: str = "default",
        *,
        seed: int = 0,
        not_ready_reasons: Iterable[str] = DEFAULT_NOT_READY_REASONS,
        default_ring_timeout: float = 15.0,
        default_wrapup: float = 0.0,
    ) -> None:
        self.tenant_id = tenant_id
        self.agents: dict[str, Agent] = {}
        self.calls: dict[str, Call] = {}
        self.router = Router(random.Random(seed))
        self.timers = Timers()
        self.not_ready_reasons = set(not_ready_reasons)
        self.default_ring_timeout = default_ring_timeout
        self.default_wrapup = default_wrapup
        self._tokens: dict[str, int] = {}
        self._wrap_queue: dict[str, str | None] = {}
        self._segment_start: dict[str, float] = {}  # agent id -> when their talk began
        self._consult_of: dict[str, str] = {}  # customer call id -> consult call id

    # ---- lookup ------------------------------------------------------------------------

    def agent(self, agent_id: str) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise NotFound("agent_not_found", f"no agent {agent_id}", agent_id=agent_id) from None

    def call(self, call_id: str) -> Call:
        try:
            return self.calls[call_id]
        except KeyError:
            raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id) from None

    def queue_config(self, queue_id: str) -> QueueConfig:
        return self.router.queue(queue_id).config

    # ---- configuration -----------------------------------------------------------------

    def put_queue(self, config: QueueConfig) -> None:
        """Create or change a queue; a changed strategy re-sorts its ready agents."""
        if config.exit_queue_id and config.exit_queue_id not in self.router.queues:
            raise NotFound(
                "queue_not_found", f"no queue {config.exit_queue_id}", queue_id=config.exit_queue_id
            )
        for step in config.overflow:
            if step.to_queue_id and step.to_queue_id not in self.router.queues:
                raise NotFound("queue_not_found", f"no queue {step.to_queue_id}", queue_id=step.to_queue_id)
        index = self.router.add_queue(config)
        self.router.reindex_ready(config.id, self.agents)
        for call_id in list(index.waiting_entry):  # the aging rate is part of the waiting key
            index.remove_waiting(call_id)
            index.add_waiting(self.calls[call_id])

    def reroute(self, now: float) -> Events:
        """Offer waiting calls to ready agents after a configuration change made new matches
        (a new skill, a new queue member), longest-idle agents first."""
        out: Events = []
        for agent in sorted((a for a in self.agents.values() if a.available), key=lambda a: a.idle_since):
            self._route_agent(agent, now, out)
        return out

    def remove_queue(self, queue_id: str) -> None:
        index = self.router.queue(queue_id)
        if index.waiting_entry:
            raise InvalidTransition("queue_not_empty", "calls are waiting in this queue", queue_id=queue_id)
        for agent_id in list(index.members):
            agent = self.agents[agent_id]
            self.router.set_membership(agent, {q: p for q, p in agent.queues.items() if q != queue_id})
        del self.router.queues[queue_id]

    def put_agent(self, agent: Agent) -> Agent:
        """Add an agent, or update the skills, queues and name of one that exists."""
        for queue_id in agent.queues:
            self.router.queue(queue_id)
        existing = self.agents.get(agent.id)
        if existing is None:
            self.agents[agent.id] = agent
            queues, agent.queues = agent.queues, {}
            self.router.set_membership(agent, queues)
            return agent
        existing.name, existing.extension = agent.name, agent.extension
        existing.skills, existing.work_mode = dict(agent.skills), agent.work_mode
        self.router.set_membership(existing, agent.queues)
        return existing

    # ---- timers ------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When :meth:`advance` next has work; cancelled timers at the head are dropped first."""
        while (timer := self.timers.peek()) is not None and not self._live(timer):
            self.timers.drop_next()
        return self.timers.next_at()

    def _live(self, timer: Timer) -> bool:
        return self._tokens.get(f"{timer.kind}:{timer.key}") == timer.token

    def advance(self, now: float) -> Events:
        """Fire every timer due at or before ``now``."""
        out: Events = []
        while (timer := self.timers.pop_due(now)) is not None:
            if not self._live(timer):
                continue  # cancelled or superseded
            handler = getattr(self, f"_on_{timer.kind}")
            handler(timer.key, timer.at, timer.arg, out)
        return out

    def _schedule(self, at: float, kind: str, key: str, arg: int = 0, renew: bool = True) -> None:
        slot = f"{kind}:{key}"
        if renew:
            self._tokens[slot] = self._tokens.get(slot, 0) + 1
        self.timers.add(at, kind, key, self._tokens[slot], arg)

    def _cancel(self, kind: str, key: str) -> None:
        slot = f"{kind}:{key}"
        if slot in self._tokens:
            self._tokens[slot] += 1

    # ---- agent commands ----------------------------------------------------------------

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

    def _transition(
        self, agent: Agent, command: str, now: float, *, index: bool = True, **kw: str | None
    ) -> Event:
        """Apply an agent command and keep the ready indexes in step with the agent's state.

        ``index=False`` leaves a newly ready agent out of the indexes: the caller routes the
        agent at once with ``indexed=False``, which files the agent only when no call is
        waiting (under load the agent is offered a call straight away, and the index is
        spared an insert and a delete per queue).
        """
        was_available = agent.state is AgentState.READY
        idle_since = agent.idle_since
        if command == "offer_lost" and agent.pending_not_ready:
            # the agent asked for not-ready while the call rang: honour it now, not after a call
            command, kw = "force_not_ready", {**kw, "reason": agent.pending_not_ready}
        event = agent.apply(command, now, **kw)
        if command == "offer_lost":
            agent.idle_since = idle_since  # an offer the agent never got does not reset idle time
        if agent.state is AgentState.READY:
            if index:
                self.router.agent_ready(agent)
        elif was_available:
            self.router.agent_unready(agent)
        return event

    # ---- calls entering and waiting ----------------------------------------------------

    def arrive(self, call: Call, now: float) -> Events:
        """A call reaches the platform (it is in the IVR until :meth:`enqueue`)."""
        if call.id in self.calls:
            raise InvalidTransition("duplicate_call", f"call {call.id} exists", call_id=call.id)
        call.arrived_at = now
        self.calls[call.id] = call
        return [
            CallArrived(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                direction=call.direction.value,
                caller=call.caller,
                callee=call.callee,
                priority=call.priority,
            )
        ]

    def enqueue(
        self,
        call_id: str,
        queue_id: str,
        now: float,
        *,
        priority: int | None = None,
        skills: dict[str, int] | None = None,
    ) -> Events:
        call = self.call(call_id)
        if call.state is not CallState.ARRIVED:
            raise InvalidTransition(
                "call_not_in_ivr",
                f"call {call_id} is {call.state.value}",
                call_id=call_id,
                state=call.state.value,
            )
        self.router.queue(queue_id)  # NotFound before anything changes
        if priority is not None:
            call.priority = priority
        if skills:
            call.required_skills.update(skills)
        out: Events = []
        self._enter_queue(call, queue_id, now, out, first=True)
        return out

    def _enter_queue(
        self, call: Call, queue_id: str, now: float, out: Events, *, first: bool, hops: int = 0
    ) -> None:
        index = self.router.queue(queue_id)
        config = index.config
        call.queue_id = queue_id
        call.entered_queue_at = now
        call.effective_skills = {**config.required_skills, **call.required_skills}
        call.max_penalty = 0
        call.overflow_step = 0
        if first:
            call.enqueued_at = now
        call.seq = 0
        if config.max_length is not None and len(index.waiting_entry) >= config.max_length:
            call.state = CallState.QUEUED
            self._exit(call, "max_length", now, out, hops=hops)
            return
        call.state = CallState.QUEUED
        index.add_waiting(call)
        out.append(
            CallQueued(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                queue_id=queue_id,
                priority=call.priority,
                position=index.position_of(call.id),
            )
        )
        self._cancel("queue", call.id)
        renew = True
        for number, step in enumerate(config.overflow, start=1):
            self._schedule(now + step.after, "queue", call.id, arg=number, renew=renew)
            renew = False
        if config.max_wait is not None:
            self._schedule(now + config.max_wait, "queue", call.id, arg=0, renew=renew)
        self._route_call(call, now, out)

    def _on_queue(self, call_id: str, now: float, step: int, out: Events) -> None:
        call = self.calls.get(call_id)
        if call is None or call.state not in WAITING or call.queue_id is None:
            return
        config = self.queue_config(call.queue_id)
        if step == 0:
            if call.state is CallState.QUEUED:
                self._exit(call, "max_wait", now, out)
            return  # a ringing call is let finish; the timeout path re-checks the wait
        overflow = config.overflow[step - 1]
        call.overflow_step = step
        if overflow.max_penalty is not None:
            call.max_penalty = max(call.max_penalty, overflow.max_penalty)
        for skill in overflow.drop_skills:
            call.effective_skills.pop(skill, None)
        out.append(
            CallOverflowed(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                queue_id=call.queue_id,
                step=step,
                to_queue_id=overflow.to_queue_id,
                max_penalty=call.max_penalty,
            )
        )
        if overflow.to_queue_id and call.state is CallState.QUEUED:
            self.router.queue(call.queue_id).remove_waiting(call.id)
            self._enter_queue(call, overflow.to_queue_id, now, out, first=False)
        elif call.state is CallState.QUEUED:
            index = self.router.queue(call.queue_id)
            index.remove_waiting(call.id)
            index.add_waiting(call)  # the same place in line; its wider reach is on record
            self._route_call(call, now, out)

    def _exit(self, call: Call, cause: str, now: float, out: Events, *, hops: int = 0) -> None:
        assert call.queue_id is not None
        config = self.queue_config(call.queue_id)
        self.router.queue(call.queue_id).remove_waiting(call.id)
        self._cancel("queue", call.id)
        action, to_queue_id = config.exit_action, config.exit_queue_id
        if action is ExitAction.QUEUE and hops >= len(self.router.queues):
            # every queue on the exit chain is full (a cycle): the caller cannot be kept
            action, to_queue_id = ExitAction.HANGUP, None
        out.append(
            CallExitedQueue(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                queue_id=call.queue_id,
                cause=cause,
                action=action.value,
                waited=call.waited(now),
                to_queue_id=to_queue_id,
            )
        )
        if action is ExitAction.QUEUE and to_queue_id:
            self._enter_queue(call, to_queue_id, now, out, first=False, hops=hops + 1)
        else:
            call.state = CallState.EXITED
            call.ended_at = now

    # ---- offering and answering --------------------------------------------------------

    def _route_call(self, call: Call, now: float, out: Events) -> None:
        agents = self.router.pick_agents(call, self.agents)
        if agents:
            self._offer(call, agents, now, out)

    def _route_agent(self, agent: Agent, now: float, out: Events, *, indexed: bool = True) -> None:
        if not agent.available:
            return
        call = self.router.pick_call(agent, self.calls, now)
        if call is not None:
            self._offer(call, [agent], now, out)
        elif not indexed:
            self.router.agent_ready(agent)

    def _offer(
        self, call: Call, agents: list[Agent], now: float, out: Events, ring_timeout: float | None = None
    ) -> None:
        if call.queue_id is not None:
            self.router.queue(call.queue_id).remove_waiting(call.id)
            if ring_timeout is None:
                ring_timeout = self.queue_config(call.queue_id).ring_timeout
        call.state = CallState.OFFERED
        call.offered_to = {a.id for a in agents}
        call.offered_at = now
        for agent in agents:
            out.append(self._transition(agent, "offer", now, call_id=call.id))
        out.append(
            CallOffered(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                queue_id=call.queue_id,
                agent_ids=tuple(a.id for a in agents),
                waited=call.waited(now),
            )
        )
        self._schedule(now + (ring_timeout or self.default_ring_timeout), "ring", call.id)

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
        for other in sorted(losers, key=_idle_order):
            self._route_agent(other, now, out)
        return out

    # ---- ending ------------------------------------------------------------------------

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
        for agent in sorted(losers, key=_idle_order):
            self._route_agent(agent, now, out)

    def _end_answered(self, call: Call, now: float, by: str, out: Events) -> None:
        if call.held_since is not None:
            call.held_total += now - call.held_since
            call.held_since = None
        consult_id = self._consult_of.pop(call.id, None)
        if consult_id is not None:
            self._end_consult(self.calls[consult_id], now, "cancelled", out, restore=False)
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

    def _consult_answered(self, consult: Call, agent: Agent, now: float, out: Events) -> None:
        raise NotImplementedError

    def _consult_failed(self, consult: Call, now: float, out: Events) -> None:
        raise NotImplementedError


def _idle_order(agent: Agent) -> tuple[float, str]:
    """Agents freed at the same moment pick their next call longest idle first."""
    return (agent.idle_since, agent.id)
