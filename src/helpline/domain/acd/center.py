"""The contact center's live core for one tenant: agents, queues, calls, routing, timers.

Every public method takes ``now`` and returns the events it caused, in order. It does no
I/O and reads no clock, so the same object runs in the server (asyncio clock) and in the
simulator (virtual clock): the driver calls :meth:`advance` when :meth:`next_deadline`
comes due. Layers, each a module that builds on the one before: :mod:`core` (state, timers,
offering), :mod:`queueing`, :mod:`offers`, :mod:`endings`, :mod:`agent_commands`,
:mod:`call_control` (hold, blind transfer), :mod:`consults` (consult, attended transfer,
conference), :mod:`dial_out`, :mod:`supervision`, :mod:`internal_calls` (内呼) and the read
side here.
"""

from __future__ import annotations

from helpline.domain.acd.agent import Agent
from helpline.domain.acd.internal_calls import InternalCalls


class ContactCenter(InternalCalls):
    # ---- reading -----------------------------------------------------------------------

    def queue_status(self, queue_id: str, now: float) -> dict[str, object]:
        index = self.router.queue(queue_id)
        waits = [now - self.calls[c].enqueued_at for c in index.waiting_entry]
        by_state: dict[str, int] = {}
        for agent_id in index.members:
            state = self.agents[agent_id].state.value
            by_state[state] = by_state.get(state, 0) + 1
        return {
            "queue_id": queue_id,
            "name": index.config.name,
            "strategy": index.config.strategy.value,
            "waiting": len(waits),
            "oldest_wait": round(max(waits), 3) if waits else 0.0,
            "agents": len(index.members),
            "ready": index.ready_count(),
            "agents_by_state": by_state,
        }

    def agent_snapshot(self, agent: Agent, now: float) -> dict[str, object]:
        return {
            "id": agent.id,
            "name": agent.name,
            "extension": agent.extension,
            "state": agent.state.value,
            "since": agent.state_since or None,
            "in_state": round(max(0.0, now - agent.state_since), 3) if agent.state_since else 0.0,
            "reason": agent.reason,
            "pending_not_ready": agent.pending_not_ready,
            "call_id": agent.current_call_id,
            "queues": agent.queues,
            "skills": agent.skills,
            "calls_today": agent.calls_today,
            "talk_seconds_today": round(agent.talk_seconds_today, 3),
        }

    def snapshot(self, now: float) -> dict[str, object]:
        """Everything a wallboard or desktop needs to start, before it applies events."""
        return {
            "at": now,
            "agents": [self.agent_snapshot(a, now) for a in self.agents.values()],
            "queues": [self.queue_status(q, now) for q in self.router.queues],
            "calls": [c.snapshot(now) for c in self.calls.values() if not c.is_final],
        }

    def forget_ended(self, older_than: float) -> int:
        """Drop finished calls from memory (their records live in the database)."""
        gone = [
            c.id
            for c in self.calls.values()
            if c.is_final and c.ended_at is not None and c.ended_at < older_than
        ]
        for call_id in gone:
            del self.calls[call_id]
        return len(gone)
