"""Traffic simulation: the real ACD core on a virtual clock, for hours of calls in seconds.

Callers arrive as a Poisson stream, wait with exponential patience (or forever), talk for
an exponential or lognormal handle time, and agents answer the moment a call is offered.
Those are the assumptions of Erlang C and Erlang A, so long runs must agree with them;
the same core runs the live server, which is what makes the agreement worth having.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from helpline.app.clock import VirtualClock
from helpline.domain.acd.agent import Agent
from helpline.domain.acd.call import Call, CallState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.metrics import MetricsFold
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.errors import Invalid
from helpline.domain.events import CallAbandoned, CallAnswered, CallOffered, Event

QUEUE_ID = "main"
HANDLE_DISTRIBUTIONS = ("exponential", "lognormal")
LOGNORMAL_SIGMA = 0.8  # spread of lognormal handle times (coefficient of variation about 0.95)


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    agents: int = 10
    calls_per_hour: float = 120.0
    aht: float = 180.0
    handle_dist: str = "exponential"
    wrapup: float = 0.0
    patience: float | None = None
    hours: float = 8.0
    sl_seconds: float = 20.0
    seed: int = 1
    warmup_hours: float = 0.5

    def validate(self) -> None:
        checks = [
            (self.agents >= 1, "agents", "at least one agent"),
            (self.calls_per_hour > 0, "calls_per_hour", "a positive call rate"),
            (self.aht > 0, "aht", "a positive handle time"),
            (self.wrapup >= 0, "wrapup", "wrap-up of zero or more seconds"),
            (self.patience is None or self.patience > 0, "patience", "a positive patience"),
            (self.hours > 0, "hours", "a positive duration"),
            (self.sl_seconds > 0, "sl_seconds", "a positive service-level threshold"),
            (self.warmup_hours >= 0, "warmup_hours", "a warm-up of zero or more hours"),
            (
                self.handle_dist in HANDLE_DISTRIBUTIONS,
                "handle_dist",
                f"one of {', '.join(HANDLE_DISTRIBUTIONS)}",
            ),
        ]
        for ok, field, wanted in checks:
            if not ok:
                raise Invalid("invalid_simulation", f"{field} needs {wanted}", field=field)


class Simulation:
    """One run. :meth:`run` returns the KPIs of the hours after the warm-up."""

    def __init__(self, config: SimulationConfig) -> None:
        config.validate()
        self.config = config
        self.rng = random.Random(config.seed)
        self.clock = VirtualClock()
        self.center = ContactCenter("sim", seed=config.seed, default_ring_timeout=3600.0)
        self.center.put_queue(
            QueueConfig(
                QUEUE_ID,
                name="main",
                wrapup_seconds=config.wrapup,
                ring_timeout=3600.0,
                sl_seconds=config.sl_seconds,
                aging_per_minute=0.0,
            )
        )
        self.warmup = config.warmup_hours * 3600.0
        self.end = self.warmup + config.hours * 3600.0
        self.fold = MetricsFold(config.sl_seconds, since=self.warmup)
        self._heap: list[tuple[float, int, str, str]] = []
        self._seq = 0
        self._calls = 0
        self.events_processed = 0

    def _push(self, at: float, kind: str, key: str) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, kind, key))

    def _handle_time(self) -> float:
        aht = self.config.aht
        if self.config.handle_dist == "lognormal":
            mu = math.log(aht) - LOGNORMAL_SIGMA**2 / 2
            return self.rng.lognormvariate(mu, LOGNORMAL_SIGMA)
        return self.rng.expovariate(1.0 / aht)

    def _next_arrival(self, now: float) -> None:
        self._push(now + self.rng.expovariate(self.config.calls_per_hour / 3600.0), "arrival", "")

    def run(self, progress: Callable[[float], None] | None = None) -> dict[str, Any]:
        center, now = self.center, 0.0
        for i in range(self.config.agents):
            agent_id = f"agent{i + 1}"
            center.put_agent(Agent(agent_id, "sim", queues={QUEUE_ID: 0}))
            self._process(center.login(agent_id, now, ready=True), now)
        self._next_arrival(now)
        next_report = 3600.0
        while True:
            timer_at = center.next_deadline()
            event_at = self._heap[0][0] if self._heap else math.inf
            now = min(event_at, timer_at if timer_at is not None else math.inf)
            if now > self.end:
                break
            self.clock.set(now)
            if progress is not None and now >= next_report:
                progress(now / self.end)
                next_report += 3600.0
            if timer_at is not None and timer_at <= event_at:
                self._process(center.advance(now), now)
                continue
            _, _, kind, key = heapq.heappop(self._heap)
            self._external(kind, key, now)
        self.fold.flush(((a.state.value, a.state_since) for a in center.agents.values()), self.end)
        if progress is not None:
            progress(1.0)
        return self.result()

    def _external(self, kind: str, key: str, now: float) -> None:
        center = self.center
        if kind == "arrival":
            self._calls += 1
            call = Call(f"call{self._calls}", "sim", caller=f"+86138{self._calls:08d}")
            events = center.arrive(call, now) + center.enqueue(call.id, QUEUE_ID, now)
            if self.config.patience is not None:
                self._push(now + self.rng.expovariate(1.0 / self.config.patience), "abandon", call.id)
            self._next_arrival(now)
            self._process(events, now)
        elif kind == "abandon":
            waiting = center.calls.get(key)
            if waiting is not None and waiting.state in (CallState.QUEUED, CallState.OFFERED):
                self._process(center.hangup(key, now, by="caller"), now)
        elif kind == "hangup":
            call_id, agent_id = key.split("|")
            self._process(center.hangup(call_id, now, by="agent", agent_id=agent_id), now)
            center.calls.pop(call_id, None)

    def _process(self, events: list[Event], now: float) -> None:
        """Fold events into the KPIs and play the simulated agents' part (answer at once)."""
        pending = deque(events)
        while pending:
            event = pending.popleft()
            self.events_processed += 1
            self.fold.apply(event)
            if isinstance(event, CallOffered):
                pending.extend(self.center.answer(event.call_id, event.agent_ids[0], now))
            elif isinstance(event, CallAnswered):
                self._push(now + self._handle_time(), "hangup", f"{event.call_id}|{event.agent_id}")
            elif isinstance(event, CallAbandoned):
                self.center.calls.pop(event.call_id, None)

    def result(self) -> dict[str, Any]:
        kpis = self.fold.kpis()
        return {
            "agents": self.config.agents,
            "calls_per_hour": self.config.calls_per_hour,
            "hours": self.config.hours,
            "seed": self.config.seed,
            **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in kpis.as_dict().items()},
            "events": self.events_processed,
            "config": asdict(self.config),
        }


def simulate(config: SimulationConfig, progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    return Simulation(config).run(progress)
