"""Call-center KPIs folded from events (NORMS §6).

Definitions, as the field uses them:

* offered: calls that entered a queue (counted once per call, whatever transfers follow);
* service level: calls answered within T seconds of queueing / calls offered;
* ASA: mean queue wait of answered calls; abandonment: abandoned / offered;
* AHT: talk (including hold) plus after-call work, per handled call;
* occupancy: time busy with calls (ringing, talking, holding, wrap-up) / time logged in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from helpline.domain.events import (
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallExitedQueue,
    CallQueued,
    Event,
    SatisfactionRated,
)

BUSY_STATES = frozenset({"reserved", "talking", "on_hold", "consulting", "conference", "wrap_up"})


@dataclass(slots=True)
class Kpis:
    offered: int
    answered: int
    abandoned: int
    exited: int
    answered_within_sl: int
    service_level: float
    asa_seconds: float
    abandon_rate: float
    att_seconds: float  # average talk time
    acw_seconds: float  # average after-call work
    aht_seconds: float
    occupancy: float
    satisfaction: float | None  # share of ratings 4 or 5, None when nobody rated

    def as_dict(self) -> dict[str, float | int | None]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class MetricsFold:
    """Feed it events with :meth:`apply`; read :meth:`kpis` at any time.

    ``since`` drops calls that queued before it (a simulation's warm-up, or a report window).
    """

    def __init__(self, sl_seconds: float = 20.0, since: float = float("-inf")) -> None:
        self.sl_seconds = sl_seconds
        self.since = since
        self._queued: set[str] = set()
        self.offered = self.answered = self.abandoned = self.exited = self.within_sl = 0
        self.wait_total = 0.0
        self.talk_total = 0.0
        self.handled = 0
        self.wrapup_total = 0.0
        self.busy_time = 0.0
        self.logged_in_time = 0.0
        self.ratings = 0
        self.good_ratings = 0
        self._answered_ids: set[str] = set()

    def apply(self, event: Event) -> None:
        if isinstance(event, AgentStateChanged):
            self._agent(event)
            return
        if isinstance(event, CallQueued):
            if event.call_id not in self._queued and event.at >= self.since:
                self._queued.add(event.call_id)
                self.offered += 1
            return
        if getattr(event, "call_id", None) not in self._queued:
            return
        if isinstance(event, CallAnswered):
            if event.call_id not in self._answered_ids:
                self._answered_ids.add(event.call_id)
                self.answered += 1
                self.wait_total += event.waited
                if event.waited <= self.sl_seconds:
                    self.within_sl += 1
        elif isinstance(event, CallAbandoned):
            self.abandoned += 1
        elif isinstance(event, CallExitedQueue):
            if event.action != "queue":
                self.exited += 1
        elif isinstance(event, CallEnded):
            if event.agent_id is not None:
                self.handled += 1
                self.talk_total += event.talk
        elif isinstance(event, SatisfactionRated):
            self.ratings += 1
            self.good_ratings += event.score >= 4

    def _agent(self, event: AgentStateChanged) -> None:
        if event.at < self.since:
            return
        if event.old_state != "logged_out":
            self.logged_in_time += event.duration
            if event.old_state in BUSY_STATES:
                self.busy_time += event.duration
        if event.old_state == "wrap_up":
            self.wrapup_total += event.duration

    def flush(self, states: Iterable[tuple[str, float]], now: float) -> None:
        """Count the open state of each agent, given as (state, since), up to ``now``."""
        for state, since in states:
            if state == "logged_out":
                continue
            duration = now - max(since, self.since)
            if duration > 0:
                self.logged_in_time += duration
                if state in BUSY_STATES:
                    self.busy_time += duration

    def kpis(self) -> Kpis:
        offered = self.offered
        handled = self.handled
        att = self.talk_total / handled if handled else 0.0
        acw = self.wrapup_total / handled if handled else 0.0
        return Kpis(
            offered=offered,
            answered=self.answered,
            abandoned=self.abandoned,
            exited=self.exited,
            answered_within_sl=self.within_sl,
            service_level=self.within_sl / offered if offered else 1.0,
            asa_seconds=self.wait_total / self.answered if self.answered else 0.0,
            abandon_rate=self.abandoned / offered if offered else 0.0,
            att_seconds=att,
            acw_seconds=acw,
            aht_seconds=att + acw,
            occupancy=self.busy_time / self.logged_in_time if self.logged_in_time else 0.0,
            satisfaction=self.good_ratings / self.ratings if self.ratings else None,
        )
