"""Property tests: random command sequences against the ACD core keep its invariants.

A hypothesis state machine drives a :class:`ContactCenter` with queues of every strategy,
skills, penalty tiers, max wait/length exits, overflow and wrap-up, and agents with random
memberships. After every step it checks that no call is lost or duplicated, that the
indexes agree with the agents' states, that nobody not ready is ever offered a call, that
no call waits while a ready agent could take it, and that longest-idle (and ring-all)
offers go where the strategy says, that a not-ready asked for during a call is honoured
after it, and that no timer (ring, max wait, wrap-up) is left unfired. Refused commands
must leave the state untouched. A seeded soak of long weighted sequences runs beside it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from helpline.domain.acd.agent import IN_CONVERSATION, LOGGED_IN, ON_CALL, Agent, AgentState, WorkMode
from helpline.domain.acd.call import FINAL, Call, CallState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import AfterWrapUp, ExitAction, OverflowStep, QueueConfig, Strategy
from helpline.domain.errors import DomainError
from helpline.domain.events import (
    AgentStateChanged,
    CallOffered,
    CallOverflowed,
    CallQueued,
    Event,
)

AGENT_IDS = tuple(f"a{i}" for i in range(7))
MAX_WRAPUP = 5.0


def make_queues() -> list[QueueConfig]:
    """Every strategy once; the order respects exit and overflow targets."""
    return [
        QueueConfig(
            "li",
            strategy=Strategy.LONGEST_IDLE,
            max_wait=90,
            wrapup_seconds=5,
            overflow=(OverflowStep(20, max_penalty=1),),
        ),
        QueueConfig(
            "fc",
            strategy=Strategy.FEWEST_CALLS,
            weight=1,
            wrapup_seconds=2,
            after_wrapup=AfterWrapUp.NOT_READY,
        ),
        QueueConfig(
            "sk",
            strategy=Strategy.LONGEST_IDLE,
            required_skills={"fr": 3},
            overflow=(
                OverflowStep(15, drop_skills=("fr",)),
                OverflowStep(40, max_penalty=1),
                OverflowStep(70, to_queue_id="li"),
            ),
        ),
        QueueConfig(
            "ra",
            strategy=Strategy.RING_ALL,
            ring_timeout=8,
            max_length=2,
            exit_action=ExitAction.QUEUE,
            exit_queue_id="li",
            wrapup_seconds=3,
            after_wrapup=AfterWrapUp.NOT_READY,
            overflow=(OverflowStep(10, max_penalty=2),),
        ),
        QueueConfig(
            "rr",
            strategy=Strategy.ROUND_ROBIN,
            max_wait=45,
            exit_action=ExitAction.CALLBACK,
            overflow=(OverflowStep(10, max_penalty=2),),
        ),
        QueueConfig(
            "rn", strategy=Strategy.RANDOM, max_length=3, exit_action=ExitAction.HANGUP, ring_timeout=12
        ),
        QueueConfig(
            "bs",
            strategy=Strategy.BEST_SKILL,
            required_skills={"en": 1},
            aging_per_minute=6,
            max_wait=60,
            exit_action=ExitAction.QUEUE,
            exit_queue_id="fc",
        ),
        QueueConfig(
            "lt",
            strategy=Strategy.LEAST_TALK_TIME,
            overflow=(OverflowStep(25, max_penalty=1), OverflowStep(50, to_queue_id="rr")),
        ),
        QueueConfig(
            "fo",
            strategy=Strategy.FIXED_ORDER,
            max_wait=30,
            exit_action=ExitAction.QUEUE,
            exit_queue_id="lt",
            wrapup_seconds=4,
        ),
    ]


QUEUE_IDS = tuple(q.id for q in make_queues())

agent_specs = st.fixed_dictionaries(
    {
        # everyone is in the longest-idle queue "li" (so its choices are between several agents)
        "queues": st.dictionaries(
            st.sampled_from(QUEUE_IDS), st.sampled_from([0, 0, 0, 1, 2]), min_size=1, max_size=3
        ).map(lambda queues: {"li": 0, **queues}),
        "fr": st.integers(0, 5),
        "en": st.integers(0, 3),
        "manual": st.booleans(),
    }
)


def fingerprint(center: ContactCenter) -> tuple[object, ...]:
    """Everything a refused command must not touch."""
    agents = tuple(
        (
            a.id,
            a.state,
            a.reason,
            a.current_call_id,
            a.consult_call_id,
            a.pending_not_ready,
            a.idle_since,
            a.state_since,
            a.calls_today,
            a.talk_seconds_today,
            tuple(sorted(a.queues.items())),
        )
        for a in center.agents.values()
    )
    calls = tuple(
        (
            c.id,
            c.state,
            c.queue_id,
            tuple(sorted(c.offered_to)),
            c.agent_id,
            c.held_since,
            c.held_total,
            c.priority,
            c.max_penalty,
            tuple(sorted(c.effective_skills.items())),
            repr(sorted(c.data.items())),
            c.enqueued_at,
            c.answered_at,
            c.ended_at,
        )
        for c in center.calls.values()
    )
    queues = tuple(
        (q.id, tuple(q.waiting), tuple(sorted(q.ready_entry.items())), q.last_position)
        for q in center.router.queues.values()
    )
    return agents, calls, queues, len(center.timers)


@dataclass
class ShadowCall:
    queue_id: str | None = None
    max_penalty: int = 0
    skills: dict[str, int] = field(default_factory=dict)


class AcdMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.center = ContactCenter(seed=7)
        self.configs = {q.id: q for q in make_queues()}
        for config in self.configs.values():
            self.center.put_queue(config)
        self.now = 0.0
        self.serial = 0
        self.shadow_calls: dict[str, ShadowCall] = {}
        self.offers_checked = 0  # longest-idle decisions checked ...
        self.choices_checked = 0  # ... of which between several ready agents
        self.pending: set[str] = set()  # agents who asked for not-ready during a call
        self.readying: str | None = None  # the agent a ready command is for

    @initialize(specs=st.lists(agent_specs, min_size=len(AGENT_IDS), max_size=len(AGENT_IDS)))
    def add_agents(self, specs: list[dict[str, Any]]) -> None:
        for agent_id, spec in zip(AGENT_IDS, specs, strict=True):
            skills = {k: spec[k] for k in ("fr", "en") if spec[k]}
            queues = dict(spec["queues"])
            mode = WorkMode.MANUAL_IN if spec["manual"] else WorkMode.AUTO_IN
            self.center.put_agent(Agent(agent_id, skills=skills, queues=queues, work_mode=mode))
            self._run(lambda agent_id=agent_id: self.center.login(agent_id, 0.0, ready=True))

    # ---- helpers -----------------------------------------------------------------------

    def _calls_in(self, *states: CallState) -> list[Call]:
        return sorted((c for c in self.center.calls.values() if c.state in states), key=lambda c: c.id)

    def _run(self, command: Callable[[], list[Event]], *, direct_offer: bool = False) -> None:
        center = self.center
        before = fingerprint(center)
        shadow = {a.id: (a.state.value, a.idle_since) for a in center.agents.values()}
        try:
            events = command()
        except DomainError:
            assert fingerprint(center) == before, "a refused command changed the state"
            return
        self._check_events(events, shadow, direct_offer=direct_offer)

    def _check_events(
        self, events: list[Event], shadow: dict[str, tuple[str, float]], *, direct_offer: bool
    ) -> None:
        """Replay the events over the state before the command and check every offer."""
        readied_now: set[str] = set()
        last_change: dict[str, AgentStateChanged] = {}
        for event in events:
            if isinstance(event, AgentStateChanged):
                old_state, idle = shadow[event.agent_id]
                assert old_state == event.old_state, f"{event} does not follow {old_state}"
                if event.new_state == "ready" and event.old_state != "ready":
                    readied_now.add(event.agent_id)
                    if event.old_state != "reserved":  # an offer taken back keeps the idle time
                        idle = event.at
                if event.agent_id in self.pending and event.new_state == "ready":
                    assert self.readying == event.agent_id, f"{event} ignored a pending not-ready"
                if event.new_state in ("not_ready", "logged_out", "ready"):
                    self.pending.discard(event.agent_id)
                shadow[event.agent_id] = (event.new_state, idle)
                last_change[event.agent_id] = event
            elif isinstance(event, CallQueued):
                call = self.center.calls[event.call_id]
                config = self.configs[event.queue_id]
                self.shadow_calls[event.call_id] = ShadowCall(
                    event.queue_id, 0, {**config.required_skills, **call.required_skills}
                )
            elif isinstance(event, CallOverflowed):
                sc = self.shadow_calls[event.call_id]
                assert sc.queue_id == event.queue_id
                step = self.configs[event.queue_id].overflow[event.step - 1]
                sc.max_penalty = event.max_penalty or 0
                for skill in step.drop_skills:
                    sc.skills.pop(skill, None)
            elif isinstance(event, CallOffered):
                self._check_offer(event, shadow, last_change, readied_now, direct_offer=direct_offer)

    def _check_offer(
        self,
        event: CallOffered,
        shadow: dict[str, tuple[str, float]],
        last_change: dict[str, AgentStateChanged],
        readied_now: set[str],
        *,
        direct_offer: bool,
    ) -> None:
        # nobody who was not ready is ever offered a call
        for agent_id in event.agent_ids:
            change = last_change.get(agent_id)
            assert change is not None and change.old_state == "ready" and change.new_state == "reserved"
            assert change.call_id == event.call_id
        if direct_offer or event.queue_id is None:
            return  # a transfer to a named agent is no routing decision
        sc = self.shadow_calls[event.call_id]
        assert sc.queue_id == event.queue_id
        config = self.configs[event.queue_id]
        agents = self.center.agents
        for agent_id in event.agent_ids:
            tier = agents[agent_id].queues.get(event.queue_id)
            assert tier is not None and tier <= sc.max_penalty, "offered outside its reach"
            assert agents[agent_id].qualifies(sc.skills), "offered to an agent without the skills"
        if any(a in readied_now for a in event.agent_ids):
            return  # the agent just became free and took the best call it could: no choice of agent
        # the ready set just before the offer: ready now, plus the agents this offer reserved
        candidates = [
            a
            for a in agents.values()
            if (shadow[a.id][0] == "ready" or a.id in event.agent_ids)
            and a.queues.get(event.queue_id, 99) <= sc.max_penalty
            and a.qualifies(sc.skills)
        ]
        assert candidates
        best_tier = min(a.queues[event.queue_id] for a in candidates)
        lowest = [a for a in candidates if a.queues[event.queue_id] == best_tier]
        position = self.center.router.queues[event.queue_id].position
        if config.strategy is Strategy.LONGEST_IDLE:
            expected = min(lowest, key=lambda a: (shadow[a.id][1], position[a.id]))
            assert event.agent_ids == (expected.id,), (
                f"longest idle chose {event.agent_ids}, expected {expected.id}: "
                f"{[(a.id, shadow[a.id][1]) for a in lowest]}"
            )
            self.offers_checked += 1
            self.choices_checked += len(lowest) > 1
        elif config.strategy is Strategy.RING_ALL:
            assert set(event.agent_ids) == {a.id for a in lowest}
        else:
            assert len(event.agent_ids) == 1 and event.agent_ids[0] in {a.id for a in lowest}

    # ---- agents ------------------------------------------------------------------------

    def _agent(self, pick: int, *states: AgentState) -> str:
        """An agent in one of ``states`` (a random one when none is, or for pick 0)."""
        fitting = [a.id for a in self.center.agents.values() if a.state in states]
        if not fitting or pick == 0:
            return AGENT_IDS[pick % len(AGENT_IDS)]
        return fitting[pick % len(fitting)]

    @rule(agent=st.sampled_from(AGENT_IDS), ready=st.booleans())
    def login(self, agent: str, ready: bool) -> None:
        self._run(lambda: self.center.login(agent, self.now, ready=ready))

    @rule(pick=st.integers(0, 50))
    def logout(self, pick: int) -> None:
        agent = self._agent(pick, AgentState.READY, AgentState.NOT_READY, AgentState.WRAP_UP)
        self._run(lambda: self.center.logout(agent, self.now))

    @rule(pick=st.integers(0, 50))
    def ready(self, pick: int) -> None:
        agent = self._agent(
            pick,
            AgentState.NOT_READY,
            AgentState.WRAP_UP,
            AgentState.LOGGED_OUT,
            AgentState.RESERVED,
            AgentState.TALKING,
        )
        self.readying = agent
        if self.center.agents[agent].state is AgentState.LOGGED_OUT:
            self._run(lambda: self.center.login(agent, self.now, ready=True))
        else:
            self._run(lambda: self.center.ready(agent, self.now))
        self.pending.discard(agent)  # ready during a call withdraws a pending not-ready
        self.readying = None

    @rule(pick=st.integers(0, 50), reason=st.sampled_from(["break", "meal", "nap"]))
    def not_ready(self, pick: int, reason: str) -> None:
        agent = self._agent(pick, *LOGGED_IN)
        self._run(lambda: self.center.not_ready(agent, reason, self.now))
        if self.center.agents[agent].pending_not_ready:
            self.pending.add(agent)

    @rule(pick=st.integers(0, 50), what=st.sampled_from(["logout", "not_ready", "ready"]))
    def supervisor_forces(self, pick: int, what: str) -> None:
        agent = self._agent(pick, *LOGGED_IN)
        if what == "logout":
            self._run(lambda: self.center.force_logout(agent, self.now, by="sup"))
        elif what == "not_ready":
            self._run(lambda: self.center.force_not_ready(agent, self.now, by="sup"))
        else:
            self.readying = agent
            self._run(lambda: self.center.force_ready(agent, self.now, by="sup"))
            self.pending.discard(agent)  # forced ready overrides a pending not-ready
            self.readying = None
        if self.center.agents[agent].pending_not_ready:
            self.pending.add(agent)

    @rule(pick=st.integers(0, 50))
    def end_wrap_up(self, pick: int) -> None:
        agent = self._agent(pick, AgentState.WRAP_UP)
        self._run(lambda: self.center.end_wrap_up(agent, self.now))

    # ---- calls -------------------------------------------------------------------------

    @rule(
        queue=st.sampled_from(QUEUE_IDS),
        priority=st.integers(0, 5),
        skill=st.sampled_from([None, None, ("en", 2), ("fr", 1)]),
        ivr_only=st.booleans(),
        picked_up=st.booleans(),
    )
    def call_arrives(
        self, queue: str, priority: int, skill: tuple[str, int] | None, ivr_only: bool, picked_up: bool
    ) -> None:
        self.serial += 1
        call = Call(
            f"c{self.serial}",
            caller=f"1380000{self.serial:04d}",
            required_skills=dict([skill]) if skill else None,
        )
        self._run(lambda: self.center.arrive(call, self.now))
        if ivr_only and self.serial % 4 == 0:
            return  # the caller stays in the IVR
        self._run(lambda: self.center.enqueue(call.id, queue, self.now, priority=priority))
        if picked_up and call.state is CallState.OFFERED:
            agent = min(call.offered_to)
            self._run(lambda: self.center.answer(call.id, agent, self.now))

    @rule(pick=st.integers(0, 1000), who=st.integers(0, 1000))
    def answer(self, pick: int, who: int) -> None:
        offered = self._calls_in(CallState.OFFERED)
        if offered and pick:
            call = offered[pick % len(offered)]
            call_id, agent = call.id, sorted(call.offered_to)[who % len(call.offered_to)]
        else:  # likely refused: a random call and agent
            call_ids = sorted(self.center.calls) or ["none"]
            call_id, agent = call_ids[pick % len(call_ids)], AGENT_IDS[who % len(AGENT_IDS)]
        self._run(lambda: self.center.answer(call_id, agent, self.now))

    @rule(who=st.integers(0, 1000))
    def answer_every_ringing_call(self, who: int) -> None:
        for call in self._calls_in(CallState.OFFERED):
            if call.state is CallState.OFFERED:  # an earlier answer may have changed it
                agent = sorted(call.offered_to)[who % len(call.offered_to)]
                self._run(lambda call=call, agent=agent: self.center.answer(call.id, agent, self.now))

    @rule(pick=st.integers(0, 1000), who=st.integers(0, 1000))
    def reject(self, pick: int, who: int) -> None:
        offered = self._calls_in(CallState.OFFERED)
        if not offered:
            return
        call = offered[pick % len(offered)]
        agent = sorted(call.offered_to)[who % len(call.offered_to)]
        self._run(lambda: self.center.reject(call.id, agent, self.now))

    @rule(pick=st.integers(0, 1000))
    def caller_hangs_up(self, pick: int) -> None:
        live = self._calls_in(
            CallState.ARRIVED,
            CallState.QUEUED,
            CallState.OFFERED,
            CallState.TALKING,
            CallState.ON_HOLD,
            CallState.DIALING,
        )
        if live:
            call = live[pick % len(live)]
            self._run(lambda: self.center.hangup(call.id, self.now, by="caller"))

    @rule(pick=st.integers(0, 50))
    def agent_hangs_up(self, pick: int) -> None:
        agent = self._agent(
            pick,
            AgentState.TALKING,
            AgentState.ON_HOLD,
            AgentState.CONSULTING,
            AgentState.CONFERENCE,
            AgentState.RESERVED,
        )
        call_id = self.center.agents[agent].current_call_id or "none"
        self._run(lambda: self.center.hangup(call_id, self.now, by="agent", agent_id=agent))

    @rule(pick=st.integers(0, 50))
    def hold_or_retrieve(self, pick: int) -> None:
        agent = self._agent(pick, AgentState.TALKING, AgentState.ON_HOLD)
        call_id = self.center.agents[agent].current_call_id
        if call_id is None:  # refused: a call that is not the agent's
            call_id = min(self.center.calls, default="none")
        if self.center.agents[agent].state is AgentState.ON_HOLD:
            self._run(lambda: self.center.retrieve(call_id, agent, self.now))
        else:
            self._run(lambda: self.center.hold(call_id, agent, self.now))

    @rule(
        pick=st.integers(0, 50),
        kind=st.sampled_from(["queue", "agent", "number"]),
        queue=st.sampled_from(QUEUE_IDS),
        to_agent=st.integers(0, 50),
    )
    def transfer(self, pick: int, kind: str, queue: str, to_agent: int) -> None:
        agent = self._agent(pick, AgentState.TALKING, AgentState.ON_HOLD)
        call_id = self.center.agents[agent].current_call_id or "none"
        if kind == "queue":
            self._run(lambda: self.center.transfer(call_id, agent, self.now, to_queue_id=queue))
        elif kind == "agent":
            target = self._agent(to_agent, AgentState.READY)
            self._run(
                lambda: self.center.transfer(call_id, agent, self.now, to_agent_id=target), direct_offer=True
            )
        else:
            self._run(lambda: self.center.transfer(call_id, agent, self.now, to_number="95555"))

    # ---- consult, conference, dial-out, supervisors -------------------------------------

    @rule(pick=st.integers(0, 50), to_agent=st.integers(0, 50), outside=st.booleans())
    def consult(self, pick: int, to_agent: int, outside: bool) -> None:
        agent = self._agent(pick, AgentState.TALKING, AgentState.ON_HOLD)
        call_id = self.center.agents[agent].current_call_id or "none"
        self.serial += 1
        consult_id = f"k{self.serial}"
        if outside:
            self._run(lambda: self.center.consult(call_id, agent, consult_id, self.now, to_number="96666"))
        else:
            target = self._agent(to_agent, AgentState.READY)
            self._run(lambda: self.center.consult(call_id, agent, consult_id, self.now, to_agent_id=target))

    @rule(pick=st.integers(0, 1000))
    def far_end_answers(self, pick: int) -> None:
        dialing = self._calls_in(CallState.DIALING)
        call_id = dialing[pick % len(dialing)].id if dialing else "none"
        self._run(lambda: self.center.far_end_answered(call_id, self.now))

    @rule(pick=st.integers(0, 50), how=st.sampled_from(["cancel", "transfer", "conference"]))
    def finish_consult(self, pick: int, how: str) -> None:
        agent = self._agent(pick, AgentState.CONSULTING)
        call_id = self.center.agents[agent].current_call_id or "none"
        if how == "cancel":
            self._run(lambda: self.center.cancel_consult(call_id, agent, self.now))
        elif how == "transfer":
            self._run(lambda: self.center.complete_transfer(call_id, agent, self.now))
        else:
            self._run(lambda: self.center.conference(call_id, agent, self.now))

    @rule(pick=st.integers(0, 50))
    def dial_out(self, pick: int) -> None:
        agent = self._agent(pick, AgentState.READY, AgentState.NOT_READY, AgentState.WRAP_UP)
        self.serial += 1
        self._run(lambda: self.center.dial(agent, "97777", f"o{self.serial}", self.now))

    @rule(pick=st.integers(0, 1000), mode=st.sampled_from(["listen", "whisper", "barge", "intercept"]))
    def supervisor_joins(self, pick: int, mode: str) -> None:
        live = self._calls_in(CallState.TALKING, CallState.ON_HOLD)
        call_id = live[pick % len(live)].id if live else "none"
        self._run(lambda: self.center.supervise(call_id, "sup", mode, self.now))

    @rule(dt=st.sampled_from([0.0, 0.5, 1.0, 3.0, 8.0, 15.0, 30.0]), answers=st.integers(0, 255))
    def time_passes(self, dt: float, answers: int) -> None:
        """Some ringing calls are answered (bit i of ``answers``), then the clock moves on."""
        for i, call in enumerate(self._calls_in(CallState.OFFERED)):
            if answers >> (i % 8) & 1 and call.state is CallState.OFFERED:
                agent = max(call.offered_to)
                self._run(lambda call=call, agent=agent: self.center.answer(call.id, agent, self.now))
        self.now += dt
        self._run(lambda: self.center.advance(self.now))

    # ---- invariants --------------------------------------------------------------------

    @invariant()
    def no_call_lost_or_doubled(self) -> None:
        """Every call is in exactly one place: final, IVR, one queue, ringing, or with agents."""
        center = self.center
        waiting_in: dict[str, list[str]] = {}
        for index in center.router.queues.values():
            assert len(index.waiting) == len(index.waiting_entry)
            for _, _, call_id in index.waiting:
                waiting_in.setdefault(call_id, []).append(index.id)
                assert index.reach[call_id] == center.calls[call_id].max_penalty
            reach_count: dict[int, int] = {}
            for reach in index.reach.values():
                reach_count[reach] = reach_count.get(reach, 0) + 1
            assert reach_count == index.reach_count and index.reach.keys() == index.waiting_entry.keys()
        on_call: dict[str, list[Agent]] = {}
        for agent in center.agents.values():
            if agent.current_call_id is not None:
                on_call.setdefault(agent.current_call_id, []).append(agent)
        for call in center.calls.values():
            queues = waiting_in.get(call.id, [])
            holders = [a for a in on_call.get(call.id, []) if a.state in IN_CONVERSATION]
            ringing = [a for a in on_call.get(call.id, []) if a.state is AgentState.RESERVED]
            consult_for = call.data.get("consult_for")
            if call.state in FINAL:
                assert not queues and not holders and not ringing and not call.offered_to, call
                continue
            if call.state is not CallState.QUEUED:
                assert not queues, f"{call} is in a queue's waiting list"
            if call.state is CallState.ARRIVED:
                assert not holders and not ringing
            elif call.state is CallState.QUEUED:
                assert queues == [call.queue_id], f"{call} is waiting in {queues}"
                assert not holders and not ringing and not call.offered_to
            elif call.state is CallState.OFFERED:
                assert not holders
                assert call.offered_to and {a.id for a in ringing} == call.offered_to
            elif call.state is CallState.DIALING:
                if consult_for is None:  # the agent's own outbound call
                    assert [a.id for a in ringing] == [call.agent_id] and not holders
                else:  # an outside consult: the consulting agent waits for the far end
                    asker = center.agents[call.data["from_agent"]]
                    assert asker.state is AgentState.CONSULTING and asker.consult_call_id == call.id
            else:
                assert call.state in (CallState.TALKING, CallState.ON_HOLD)
                assert not ringing and not call.offered_to
                self._check_talking(call, holders)

    def _check_talking(self, call: Call, holders: list[Agent]) -> None:
        center = self.center
        consult_for = call.data.get("consult_for")
        if consult_for is not None:
            assert call.state is CallState.TALKING
            if call.agent_id is None:  # an outside party answered
                assert not holders
            else:
                assert [a.id for a in holders] == [call.agent_id]
                assert holders[0].state is AgentState.TALKING
            asker = center.agents[call.data["from_agent"]]
            assert asker.state is AgentState.CONSULTING and asker.consult_call_id == call.id
            return
        if "intercepted_by" in call.data:
            assert not holders, "an intercepted call has no agent left on it"
            return
        members = call.data.get("conference")
        if members:
            assert sorted(a.id for a in holders) == sorted(members)
            assert all(a.state is AgentState.CONFERENCE for a in holders)
            assert call.state is CallState.TALKING
            return
        assert len(holders) == 1 and holders[0].id == call.agent_id, f"{call} is held by {holders}"
        agent = holders[0]
        if agent.state is AgentState.CONSULTING:
            assert call.state is CallState.ON_HOLD
            consult = center.calls[agent.consult_call_id or ""]
            assert not consult.is_final and consult.data["consult_for"] == call.id
        else:
            expected = AgentState.ON_HOLD if call.state is CallState.ON_HOLD else AgentState.TALKING
            assert agent.state is expected and agent.consult_call_id is None

    @invariant()
    def agents_hold_one_call(self) -> None:
        seen: dict[str, str] = {}
        for agent in self.center.agents.values():
            if agent.state in (
                AgentState.TALKING,
                AgentState.ON_HOLD,
                AgentState.RESERVED,
                AgentState.CONSULTING,
            ):
                assert agent.current_call_id is not None
                call = self.center.calls[agent.current_call_id]
                assert not call.is_final, f"{agent} is on {call}"
                if call.id in seen:  # only ring-all shares one offered call
                    assert call.state is CallState.OFFERED and len(call.offered_to) > 1
                seen[call.id] = agent.id
                if agent.state is AgentState.RESERVED:
                    assert agent.id in call.offered_to or (
                        call.state is CallState.DIALING and call.agent_id == agent.id
                    )
            elif agent.state is AgentState.CONFERENCE:
                call = self.center.calls[agent.current_call_id or ""]
                assert agent.id in call.data.get("conference", ())
            elif agent.state in (AgentState.READY, AgentState.NOT_READY, AgentState.LOGGED_OUT):
                assert agent.current_call_id is None and agent.consult_call_id is None
            if agent.state is AgentState.NOT_READY:
                assert agent.reason
            if agent.pending_not_ready:
                assert agent.state in ON_CALL or agent.state is AgentState.WRAP_UP, (
                    f"{agent} keeps a stale pending not-ready"
                )
            if agent.state is AgentState.WRAP_UP:
                assert self.now - agent.state_since <= MAX_WRAPUP, "a wrap-up timer was lost"

    @invariant()
    def ready_indexes_match_states(self) -> None:
        center = self.center
        for index in center.router.queues.values():
            assert sum(len(entries) for entries in index.ready.values()) == len(index.ready_entry)
            for agent_id, (tier, _) in index.ready_entry.items():
                agent = center.agents[agent_id]
                assert agent.state is AgentState.READY
                assert agent.queues.get(index.id) == tier == index.members[agent_id]
        for agent in center.agents.values():
            if agent.state is AgentState.READY:
                for queue_id in agent.queues:
                    assert agent.id in center.router.queues[queue_id].ready_entry

    @invariant()
    def no_call_waits_for_a_free_agent(self) -> None:
        center = self.center
        for call in self._calls_in(CallState.QUEUED):
            assert call.queue_id is not None
            for agent in center.agents.values():
                tier = agent.queues.get(call.queue_id)
                assert not (
                    agent.state is AgentState.READY
                    and tier is not None
                    and tier <= call.max_penalty
                    and agent.qualifies(call.effective_skills)
                ), f"{call} waits while {agent} could take it"

    @invariant()
    def timers_fired_on_time(self) -> None:
        for call in self._calls_in(CallState.QUEUED):
            config = self.configs[call.queue_id or ""]
            if config.max_wait is not None:
                assert self.now < call.entered_queue_at + config.max_wait, f"{call} overstayed max_wait"
        for call in self._calls_in(CallState.OFFERED):
            ring = self.configs[call.queue_id].ring_timeout if call.queue_id else 15.0
            assert self.now < call.offered_at + ring, f"{call} rings past its timeout"


AcdMachine.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAcdMachine = AcdMachine.TestCase


def test_machine_checks_longest_idle_offers() -> None:
    """The strategy check is not vacuous: a short fixed run makes longest-idle decisions."""
    machine = AcdMachine()
    machine.add_agents([{"queues": {"li": 0}, "fr": 0, "en": 0, "manual": False}] * len(AGENT_IDS))
    for agent in AGENT_IDS:
        machine.login(agent, ready=True)
    for _ in range(3):
        machine.call_arrives("li", 0, None, ivr_only=False, picked_up=False)
    assert machine.offers_checked == 3
    machine.no_call_lost_or_doubled()
    machine.teardown()


# ---- a seeded soak: long random sequences, weighted towards busy traffic -------------------

SOAK_RULES: dict[str, tuple[float, Callable[[random.Random], dict[str, object]]]] = {
    "call_arrives": (
        4,
        lambda r: {
            "queue": r.choice(("li", "li", *QUEUE_IDS)),
            "priority": r.randint(0, 5),
            "skill": r.choice([None, None, ("en", 2), ("fr", 1)]),
            "ivr_only": r.random() < 0.2,
            "picked_up": r.random() < 0.5,
        },
    ),
    "time_passes": (
        4,
        lambda r: {"dt": r.choice([0.0, 0.5, 1.0, 3.0, 8.0, 15.0, 30.0]), "answers": r.randrange(256)},
    ),
    "answer": (2, lambda r: {"pick": r.randrange(1, 1000), "who": r.randrange(1000)}),
    "reject": (1, lambda r: {"pick": r.randrange(1000), "who": r.randrange(1000)}),
    "caller_hangs_up": (2, lambda r: {"pick": r.randrange(1000)}),
    "agent_hangs_up": (3, lambda r: {"pick": r.randrange(51)}),
    "hold_or_retrieve": (2, lambda r: {"pick": r.randrange(51)}),
    "transfer": (
        1.5,
        lambda r: {
            "pick": r.randrange(51),
            "kind": r.choice(["queue", "agent", "number"]),
            "queue": r.choice(QUEUE_IDS),
            "to_agent": r.randrange(51),
        },
    ),
    "consult": (
        1.5,
        lambda r: {"pick": r.randrange(51), "to_agent": r.randrange(51), "outside": r.random() < 0.3},
    ),
    "far_end_answers": (1, lambda r: {"pick": r.randrange(1000)}),
    "finish_consult": (
        1.5,
        lambda r: {"pick": r.randrange(51), "how": r.choice(["cancel", "transfer", "conference"])},
    ),
    "dial_out": (0.5, lambda r: {"pick": r.randrange(51)}),
    "supervisor_joins": (
        0.5,
        lambda r: {"pick": r.randrange(1000), "mode": r.choice(["listen", "whisper", "barge", "intercept"])},
    ),
    "ready": (3, lambda r: {"pick": r.randrange(51)}),
    "not_ready": (1, lambda r: {"pick": r.randrange(51), "reason": r.choice(["break", "meal", "nap"])}),
    "logout": (0.3, lambda r: {"pick": r.randrange(51)}),
    "login": (0.3, lambda r: {"agent": r.choice(AGENT_IDS), "ready": r.random() < 0.7}),
    "supervisor_forces": (
        0.5,
        lambda r: {"pick": r.randrange(51), "what": r.choice(["logout", "not_ready", "ready"])},
    ),
    "end_wrap_up": (1, lambda r: {"pick": r.randrange(51)}),
}
INVARIANTS = (
    "no_call_lost_or_doubled",
    "agents_hold_one_call",
    "ready_indexes_match_states",
    "no_call_waits_for_a_free_agent",
    "timers_fired_on_time",
)


def random_agents(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "queues": {
                "li": 0,
                **{q: rng.choice([0, 0, 0, 1, 2]) for q in rng.sample(QUEUE_IDS, rng.randint(1, 3))},
            },
            "fr": rng.randint(0, 5),
            "en": rng.randint(0, 3),
            "manual": rng.random() < 0.2,
        }
        for _ in AGENT_IDS
    ]


def soak(seed: int, steps: int) -> AcdMachine:
    """Run ``steps`` weighted random commands, checking every invariant after each one."""
    rng = random.Random(seed)
    names = list(SOAK_RULES)
    weights = [SOAK_RULES[name][0] for name in names]
    machine = AcdMachine()
    machine.add_agents(random_agents(rng))
    log: list[str] = []
    try:
        for _ in range(steps):
            name = rng.choices(names, weights)[0]
            kwargs = SOAK_RULES[name][1](rng)
            log.append(f"{name}({kwargs}) @ {machine.now}")
            getattr(machine, name)(**kwargs)
            for check in INVARIANTS:
                getattr(machine, check)()
    except AssertionError as error:
        raise AssertionError(f"seed {seed}, after:\n" + "\n".join(log[-25:])) from error
    return machine


@pytest.mark.parametrize("seed", range(12))
def test_soak_keeps_the_invariants(seed: int) -> None:
    machine = soak(seed, 400)
    assert machine.serial > 50  # the run did carry traffic
    assert machine.choices_checked > 0  # and longest idle chose between ready agents
