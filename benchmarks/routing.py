"""Routing decisions under load: the ACD core's indexes against a naive linear scan.

Builds one :class:`ContactCenter` with many logged-in agents (each in 1-4 queues with
penalty tiers, skills with levels, a spoken language) and fills it with calls until most
agents talk and ``--waiting`` calls wait. Then it times routing decisions, half of each kind:

* a call arrives: ``arrive`` + ``enqueue``, after which the core has either offered the call
  to the best ready agent or left it waiting;
* an agent becomes ready (ends after-call work early): ``ready``, after which the core has
  offered the agent the best waiting call of its queues, or nothing.

Offers are answered and a talking agent hangs up between decisions, outside the timing, so
the load stays level. On a sample of the same decision points a naive baseline decides from
scratch: a scan of every agent (ready, member, within the penalty reach, qualified, then the
longest idle) or of every waiting call (in one of the agent's queues, within reach, qualified,
then the queue weight and aged priority). Its choice is compared with the core's.

Run: ``.venv/bin/python benchmarks/routing.py [--agents 10000 --queues 500 --waiting 20000
--decisions 20000 --seed 1]``. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from helpline.domain.acd.agent import Agent, AgentState
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.events import CallOffered, Event

SKILLS = tuple(f"skill{i}" for i in range(30))
LANGUAGES = ("zh", "yue", "en", "ja", "ko")


@dataclass
class Scenario:
    center: ContactCenter
    rng: random.Random
    queue_ids: list[str]
    queue_weights: list[float]
    now: float = 0.0
    serial: int = 0
    talking: list[str] = field(default_factory=list)  # agents on a call, for the hangups

    def next_call(self) -> tuple[Call, str]:
        """A new caller: a queue (busy queues get more calls) and sometimes a language."""
        self.serial += 1
        rng = self.rng
        queue_id = rng.choices(self.queue_ids, cum_weights=self.queue_weights)[0]
        skills = {rng.choice(LANGUAGES): rng.randint(1, 6)} if rng.random() < 0.15 else None
        call = Call(
            f"c{self.serial}",
            caller=f"138{self.serial:08d}",
            required_skills=skills,
            priority=5 if rng.random() < 0.05 else 0,
        )
        return call, queue_id


def build(n_agents: int, n_queues: int, n_waiting: int, seed: int) -> Scenario:
    """Agents in mixed queues and skills, loaded until ``n_waiting`` calls wait."""
    rng = random.Random(seed)
    center = ContactCenter(seed=seed)
    queues: list[QueueConfig] = []
    for q in range(n_queues):
        required = {s: rng.randint(1, 4) for s in rng.sample(SKILLS, rng.choice((0, 0, 1, 1, 2)))}
        config = QueueConfig(
            f"q{q}",
            required_skills=required,
            wrapup_seconds=30.0,
            aging_per_minute=rng.choice((0.5, 1.0, 2.0)),
            weight=1 if rng.random() < 0.05 else 0,
        )
        center.put_queue(config)
        queues.append(config)
    members = [0] * n_queues
    for a in range(n_agents):
        # the first agents cover every queue once; the rest join 1-4 random queues
        picked = {a} if a < n_queues else set()
        picked |= {rng.randrange(n_queues) for _ in range(rng.randint(1, 4) - len(picked))}
        memberships = {f"q{q}": rng.choices((0, 1, 2), (70, 20, 10))[0] for q in picked}
        skills: dict[str, int] = {}
        for q in picked:
            for skill, level in queues[q].required_skills.items():
                fits = rng.random() < 0.9  # one agent in ten lacks a level their queue asks
                skills[skill] = max(
                    skills.get(skill, 0), min(10, level + rng.randint(0, 4)) if fits else max(1, level - 1)
                )
        for language in rng.sample(LANGUAGES, rng.randint(1, 2)):
            skills[language] = rng.randint(1, 10)
        for q in picked:
            members[q] += 1
        center.put_agent(Agent(f"a{a}", skills=skills, queues=memberships))
    for a in range(n_agents):  # ready over the first minutes: distinct idle times
        center.login(f"a{a}", 0.0)
    order = list(range(n_agents))
    rng.shuffle(order)
    for n, a in enumerate(order):
        center.ready(f"a{a}", n * 0.01)
    cumulative, total = [], 0.0
    for count in members:
        total += count + 0.5
        cumulative.append(total)
    scenario = Scenario(center, rng, [c.id for c in queues], cumulative, now=n_agents * 0.01)
    waiting = 0
    while waiting < n_waiting:
        scenario.now += 0.001
        call, queue_id = scenario.next_call()
        center.arrive(call, scenario.now)
        events = center.enqueue(call.id, queue_id, scenario.now)
        answer_offers(scenario, events)
        waiting += call.state is CallState.QUEUED
    return scenario


def answer_offers(scenario: Scenario, events: list[Event]) -> None:
    """The agent answers every offer at once (outside the timing)."""
    for event in events:
        if isinstance(event, CallOffered):
            agent_id = event.agent_ids[0]
            scenario.center.answer(event.call_id, agent_id, scenario.now)
            scenario.talking.append(agent_id)


# ---- the naive baseline ----------------------------------------------------------------------


def naive_agent(center: ContactCenter, call: Call, queue_id: str) -> str | None:
    """Scan every agent for the call's best one: lowest tier, then longest idle."""
    config = center.router.queues[queue_id].config
    required = {**config.required_skills, **call.required_skills}
    position = center.router.queues[queue_id].position
    best: tuple[int, float, int] | None = None
    chosen = None
    for agent in center.agents.values():
        tier = agent.queues.get(queue_id)
        if agent.state is not AgentState.READY or tier is None or tier > 0:
            continue
        if not agent.qualifies(required):
            continue
        rank = (tier, agent.idle_since, position[agent.id])
        if best is None or rank < best:
            best, chosen = rank, agent.id
    return chosen


def naive_call(center: ContactCenter, agent: Agent, waiting: Sequence[Call], now: float) -> str | None:
    """Scan every waiting call for the agent's best one: queue weight, then aged priority."""
    best: tuple[int, float, float] | None = None
    chosen = None
    configs = center.router.queues
    for call in waiting:
        tier = agent.queues.get(call.queue_id or "")
        if tier is None or call.max_penalty < tier or not agent.qualifies(call.effective_skills):
            continue
        config = configs[call.queue_id or ""].config
        rank = (
            config.weight,
            call.priority + config.aging_per_second * (now - call.enqueued_at),
            -call.enqueued_at,
        )
        if best is None or rank > best:
            best, chosen = rank, call.id
    return chosen


def waiting_calls(center: ContactCenter) -> list[Call]:
    return [center.calls[c] for index in center.router.queues.values() for c in index.waiting_entry]


def offered_call(events: list[Event]) -> CallOffered | None:
    return next((e for e in events if isinstance(e, CallOffered)), None)


# ---- measuring -------------------------------------------------------------------------------


@dataclass
class Timings:
    core_ns: list[int] = field(default_factory=list)
    arrival_ns: list[int] = field(default_factory=list)
    ready_ns: list[int] = field(default_factory=list)
    baseline_ns: list[int] = field(default_factory=list)
    core_cpu_ns: list[int] = field(default_factory=list)  # CPU time: without time descheduled
    offers: int = 0
    agree: int = 0
    compared: int = 0


def measure(scenario: Scenario, decisions: int, baseline_samples: int) -> Timings:
    center, rng = scenario.center, scenario.rng
    timings = Timings()
    every = max(1, decisions // max(1, baseline_samples))
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    for i in range(decisions):
        scenario.now += 0.01
        now = scenario.now
        sample = baseline_samples > 0 and i % every == 0
        if i % 2 == 0:  # a call arrives
            call, queue_id = scenario.next_call()
            if sample:
                start = clock()
                expected = naive_agent(center, call, queue_id)
                timings.baseline_ns.append(clock() - start)
            cpu_start, start = cpu(), clock()
            center.arrive(call, now)
            events = center.enqueue(call.id, queue_id, now)
            took, cpu_took = clock() - start, cpu() - cpu_start
            timings.arrival_ns.append(took)
            offer = offered_call(events)
            got = offer.agent_ids[0] if offer else None
        else:  # a talking agent hangs up (untimed), then ends after-call work at once
            agent_id = scenario.talking.pop(rng.randrange(len(scenario.talking)))
            agent = center.agents[agent_id]
            center.hangup(agent.current_call_id or "", now, by="agent", agent_id=agent_id)
            if sample:
                waiting = waiting_calls(center)  # a naive core keeps a plain list of them
                start = clock()
                expected = naive_call(center, agent, waiting, now)
                timings.baseline_ns.append(clock() - start)
            cpu_start, start = cpu(), clock()
            events = center.ready(agent_id, now)
            took, cpu_took = clock() - start, cpu() - cpu_start
            timings.ready_ns.append(took)
            offer = offered_call(events)
            got = offer.call_id if offer else None
        timings.core_ns.append(took)
        timings.core_cpu_ns.append(cpu_took)
        if sample:
            timings.compared += 1
            timings.agree += expected == got
        if offer is not None:
            timings.offers += 1
            answer_offers(scenario, events)
        if not scenario.talking:  # nobody talks: let a waiting caller be answered next time
            break
    return timings


def pct(values: list[int], q: float) -> float:
    """The q-quantile in milliseconds (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6


def rate(values: list[int]) -> float:
    return len(values) / (sum(values) / 1e9) if values else 0.0


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--waiting", type=int, default=20_000)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--baseline-samples",
        type=int,
        default=400,
        help="decision points where the naive baseline also decides (it is slow)",
    )
    args = parser.parse_args(argv)

    console = Console()
    started = time.perf_counter()
    scenario = build(args.agents, args.queues, args.waiting, args.seed)
    built = time.perf_counter() - started
    center = scenario.center
    waiting = sum(len(q.waiting_entry) for q in center.router.queues.values())
    busy = sum(a.state is not AgentState.READY for a in center.agents.values())
    gc.collect()
    timings = measure(scenario, args.decisions, args.baseline_samples)

    decisions = len(timings.core_ns)
    core_rate, baseline_rate = rate(timings.core_ns), rate(timings.baseline_ns)
    result: dict[str, object] = {
        "agents": args.agents,
        "queues": args.queues,
        "waiting_calls": waiting,
        "decisions": decisions,
        "offers": timings.offers,
        "p50_ms": round(pct(timings.core_ns, 0.50), 4),
        "p99_ms": round(pct(timings.core_ns, 0.99), 4),
        "p99_cpu_ms": round(pct(timings.core_cpu_ns, 0.99), 4),
        "decisions_per_cpu_s": round(rate(timings.core_cpu_ns)),
        "decisions_per_s": round(core_rate),
        "baseline_decisions_per_s": round(baseline_rate, 1),
        "speedup": round(core_rate / baseline_rate, 1) if baseline_rate else None,
        "baseline_agreement": round(timings.agree / timings.compared, 4) if timings.compared else None,
        "load_average": round(os.getloadavg()[0], 2),
        "peak_memory_mb": round(peak_rss_mb(), 1),
    }

    table = Table(
        title=f"Routing decisions: {args.agents:,} agents, {args.queues} queues, "
        f"{waiting:,} waiting, {busy:,} agents busy (built in {built:.1f} s)"
    )
    for column in ("path", "decisions", "p50 ms", "p99 ms", "max ms", "decisions/s"):
        table.add_column(column, justify="left" if column == "path" else "right")
    rows = (
        ("core: all", timings.core_ns),
        ("core: call arrives", timings.arrival_ns),
        ("core: agent ready", timings.ready_ns),
        ("core: all, CPU time", timings.core_cpu_ns),
        ("naive linear scan", timings.baseline_ns),
    )
    for label, values in rows:
        table.add_row(
            label,
            f"{len(values):,}",
            f"{pct(values, 0.5):.4f}",
            f"{pct(values, 0.99):.4f}",
            f"{max(values, default=0) / 1e6:.3f}",
            f"{rate(values):,.0f}",
        )
    console.print(table)
    console.print(
        f"offers made: {timings.offers:,}; the baseline chose as the core did in "
        f"{timings.agree}/{timings.compared} sampled decisions; speedup x{result['speedup']}; "
        f"peak RSS {result['peak_memory_mb']} MB; "
        f"mean core decision {statistics.fmean(timings.core_ns) / 1e6:.4f} ms; "
        f"load average {result['load_average']} on {os.cpu_count()} CPUs (wall-clock "
        f"figures include time the process was not running; CPU time does not)"
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
