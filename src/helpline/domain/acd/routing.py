"""Automatic call distribution: which ready agent gets a call, which waiting call an agent gets.

The router keeps two sorted indexes per queue, so that a decision reads the head of a
list instead of scanning every agent:

* ready agents, per penalty tier, ordered by the queue's strategy key;
* waiting calls, ordered by effective priority (priority plus linear aging) and arrival.

Linear aging keeps the order of waiting calls independent of the clock:
``priority + rate * (now - t0)`` ranks calls exactly as ``priority - rate * t0`` does,
so the key is fixed when the call is queued, and nobody starves behind VIPs.
Only agents in the READY state are ever in an index, so a not-ready agent is never offered.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from itertools import islice

from sortedcontainers import SortedList

from helpline.domain.acd.agent import Agent
from helpline.domain.acd.call import Call
from helpline.domain.acd.queue import QueueConfig, Strategy
from helpline.domain.errors import NotFound

RANDOM_DRAWS = 8
AgentEntry = tuple[float, float, int, str]  # (primary, idle_since, join position, agent id)
CallEntry = tuple[float, int, str]  # (aging key, arrival sequence, call id)


class QueueIndex:
    """A queue's live indexes: its members, ready agents by tier, and waiting calls."""

    def __init__(self, config: QueueConfig) -> None:
        self.config = config
        self.members: dict[str, int] = {}  # agent id -> penalty tier
        self.position: dict[str, int] = {}  # agent id -> join order (fixed order, round robin)
        self._next_position = 0
        self.ready: dict[int, SortedList[AgentEntry]] = {}
        self.ready_entry: dict[str, tuple[int, AgentEntry]] = {}
        self.waiting: SortedList[CallEntry] = SortedList()
        self.waiting_entry: dict[str, CallEntry] = {}
        # waiting calls by how far down the penalty tiers they reach, so that an agent of a
        # higher tier skips a queue whose callers cannot reach it instead of scanning them
        self.reach: dict[str, int] = {}
        self.reach_count: dict[int, int] = {}
        self._seq = 0
        self.last_position = -1  # round robin memory

    @property
    def id(self) -> str:
        return self.config.id

    # ---- agents ------------------------------------------------------------------------

    def agent_key(self, agent: Agent) -> AgentEntry:
        strategy = self.config.strategy
        pos = self.position[agent.id]
        primary: float
        if strategy is Strategy.FEWEST_CALLS:
            primary = agent.calls_today
        elif strategy is Strategy.LEAST_TALK_TIME:
            primary = agent.talk_seconds_today
        elif strategy is Strategy.BEST_SKILL:
            primary = -agent.skill_score(self.config.required_skills)
        elif strategy in (Strategy.FIXED_ORDER, Strategy.ROUND_ROBIN, Strategy.RANDOM):
            return (float(pos), 0.0, pos, agent.id)
        else:  # longest idle, ring all
            primary = 0.0
        return (primary, agent.idle_since, pos, agent.id)

    def add_ready(self, agent: Agent) -> None:
        tier = self.members[agent.id]
        entry = self.agent_key(agent)
        entries = self.ready.get(tier)
        if entries is None:
            entries = self.ready[tier] = SortedList()
        entries.add(entry)
        self.ready_entry[agent.id] = (tier, entry)

    def remove_ready(self, agent_id: str) -> None:
        found = self.ready_entry.pop(agent_id, None)
        if found is not None:
            tier, entry = found
            self.ready[tier].remove(entry)

    def join(self, agent_id: str, penalty: int) -> None:
        self.members[agent_id] = penalty
        if agent_id not in self.position:
            self.position[agent_id] = self._next_position
            self._next_position += 1

    def leave(self, agent_id: str) -> None:
        self.remove_ready(agent_id)
        self.members.pop(agent_id, None)

    def ready_count(self) -> int:
        return len(self.ready_entry)

    def ready_in_order(self, max_penalty: int, rng: random.Random) -> Iterator[str]:
        """Ready agents in the order the strategy prefers, lower penalty tiers first."""
        strategy = self.config.strategy
        for tier in sorted(t for t in self.ready if t <= max_penalty):
            entries = self.ready[tier]
            if not entries:
                continue
            if strategy is Strategy.ROUND_ROBIN:
                start = entries.bisect_left((float(self.last_position + 1), -1.0, -1, ""))
            elif strategy is Strategy.RANDOM:
                # a few uniform draws first: the caller takes the first that qualifies, which is
                # uniform among the qualifying agents (a rotation alone favours an agent who
                # follows a run of unqualified ones); the rotation is the fallback
                for _ in range(min(len(entries), RANDOM_DRAWS)):
                    yield entries[rng.randrange(len(entries))][3]
                start = rng.randrange(len(entries))
            else:
                start = 0
            # iterate the sorted list (indexing it costs a tree walk per position)
            ordered = entries.islice(start) if start else entries
            for entry in ordered:
                yield entry[3]
            if start:
                for entry in entries.islice(0, start):
                    yield entry[3]

    # ---- calls -------------------------------------------------------------------------

    def add_waiting(self, call: Call) -> None:
        if call.id in self.waiting_entry:
            return
        if not call.seq:
            self._seq += 1
            call.seq = self._seq
        key = self.config.aging_per_second * call.enqueued_at - call.priority
        entry = (key, call.seq, call.id)
        self.waiting.add(entry)
        self.waiting_entry[call.id] = entry
        self.reach[call.id] = call.max_penalty
        self.reach_count[call.max_penalty] = self.reach_count.get(call.max_penalty, 0) + 1

    def remove_waiting(self, call_id: str) -> None:
        entry = self.waiting_entry.pop(call_id, None)
        if entry is not None:
            self.waiting.remove(entry)
            reach = self.reach.pop(call_id)
            left = self.reach_count[reach] - 1
            if left:
                self.reach_count[reach] = left
            else:
                del self.reach_count[reach]

    def reaches(self, penalty: int) -> bool:
        """True when some waiting call may go to an agent of this penalty tier."""
        return any(reach >= penalty for reach in self.reach_count)

    def position_of(self, call_id: str) -> int:
        """1-based place in line, for the position announcement."""
        entry = self.waiting_entry.get(call_id)
        return 0 if entry is None else self.waiting.index(entry) + 1


class Router:
    """All queues of one tenant and the decisions between them."""

    def __init__(self, rng: random.Random | None = None, scan_limit: int = 200) -> None:
        self.queues: dict[str, QueueIndex] = {}
        self.rng = rng or random.Random(0)
        # how far down a list a decision looks for a skill match before giving up for now
        self.scan_limit = scan_limit

    def queue(self, queue_id: str) -> QueueIndex:
        try:
            return self.queues[queue_id]
        except KeyError:
            raise NotFound("queue_not_found", f"no queue {queue_id}", queue_id=queue_id) from None

    def add_queue(self, config: QueueConfig) -> QueueIndex:
        index = self.queues.get(config.id)
        if index is None:
            index = self.queues[config.id] = QueueIndex(config)
        else:
            index.config = config
        return index

    def reindex_ready(self, queue_id: str, agents: Mapping[str, Agent]) -> None:
        """Rebuild a queue's ready index after its strategy or skills changed."""
        index = self.queue(queue_id)
        for agent_id in list(index.ready_entry):
            index.remove_ready(agent_id)
            index.add_ready(agents[agent_id])

    def set_membership(self, agent: Agent, queues: Mapping[str, int]) -> None:
        for queue_id in list(agent.queues):
            if queue_id not in queues and queue_id in self.queues:
                self.queues[queue_id].leave(agent.id)
        for queue_id, penalty in queues.items():
            index = self.queue(queue_id)
            index.remove_ready(agent.id)
            index.join(agent.id, penalty)
        agent.queues = dict(queues)
        if agent.available:
            self.agent_ready(agent)

    def agent_ready(self, agent: Agent) -> None:
        for queue_id in agent.queues:
            index = self.queues[queue_id]
            index.remove_ready(agent.id)
            index.add_ready(agent)

    def agent_unready(self, agent: Agent) -> None:
        for queue_id in agent.queues:
            self.queues[queue_id].remove_ready(agent.id)

    def pick_agents(self, call: Call, agents: Mapping[str, Agent]) -> list[Agent]:
        """The agent (or, for ring-all, the agents) to offer ``call`` to; empty when none fits."""
        if call.queue_id is None:
            return []
        index = self.queue(call.queue_id)
        ring_all = index.config.strategy is Strategy.RING_ALL
        chosen: list[Agent] = []
        for scanned, agent_id in enumerate(index.ready_in_order(call.max_penalty, self.rng)):
            if scanned >= self.scan_limit and not ring_all:
                break
            if chosen and index.members[agent_id] != index.members[chosen[0].id]:
                break  # ring-all rings one penalty tier: the lowest with a qualifying agent
            agent = agents[agent_id]
            if agent.available and agent.qualifies(call.effective_skills):
                chosen.append(agent)
                if not ring_all:
                    break
        if chosen and index.config.strategy is Strategy.ROUND_ROBIN:
            index.last_position = index.position[chosen[0].id]
        return chosen

    def pick_call(self, agent: Agent, calls: Mapping[str, Call], now: float) -> Call | None:
        """The waiting call that ``agent`` should take now, across all the agent's queues."""
        best: Call | None = None
        best_rank: tuple[int, float, float] | None = None
        qualifies, limit = agent.qualifies, self.scan_limit
        for queue_id, penalty in agent.queues.items():
            index = self.queues[queue_id]
            if not index.waiting_entry or (penalty and not index.reaches(penalty)):
                continue
            rate = index.config.aging_per_second
            for _, _, call_id in islice(index.waiting, limit):
                call = calls[call_id]
                if call.max_penalty < penalty or not qualifies(call.effective_skills):
                    continue
                effective = call.priority + rate * (now - call.enqueued_at)
                rank = (index.config.weight, effective, -call.enqueued_at)
                if best_rank is None or rank > best_rank:
                    best, best_rank = call, rank
                break
        if best is not None and best.queue_id is not None:
            index = self.queues[best.queue_id]
            if index.config.strategy is Strategy.ROUND_ROBIN:
                index.last_position = index.position[agent.id]
        return best
