"""The ACD core for one tenant: its agents, calls, queues and timers, and how a call is offered.

Every public method takes ``now`` and returns the events it caused, in order. It does no
I/O and reads no clock. Each concern builds on the one below it, one module each:
:mod:`queueing` (calls entering and waiting), :mod:`offers` (ringing, answering),
:mod:`endings` (hang-up, after-call work), :mod:`agent_commands` (log in, ready, not ready),
then call control (:mod:`call_control`, :mod:`consults`, :mod:`dial_out`, :mod:`supervision`,
:mod:`internal_calls`) and :class:`helpline.domain.acd.center.ContactCenter` on top.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from helpline.domain.acd.agent import Agent, AgentState
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.acd.routing import Router
from helpline.domain.errors import InvalidTransition, NotFound
from helpline.domain.events import CallOffered, Event
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

    # ---- offering ----------------------------------------------------------------------

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


def idle_order(agent: Agent) -> tuple[float, str]:
    """Agents freed at the same moment pick their next call longest idle first."""
    return (agent.idle_since, agent.id)
