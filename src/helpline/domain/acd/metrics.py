"""The call KPIs folded from events (NORMS §6): the totals they are made of, added up live.

The figures themselves are defined once, in :mod:`helpline.domain.acd.kpis`; this fold only
counts and sums, as the reports' SQL does.
"""

from __future__ import annotations

from collections.abc import Iterable

from helpline.domain.acd.kpis import CallTotals, Kpis, kpis_of
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

    def totals(self) -> CallTotals:
        return CallTotals(
            offered=self.offered,
            answered=self.answered,
            answered_within_sl=self.within_sl,
            abandoned=self.abandoned,
            exited=self.exited,
            wait_answered=self.wait_total,
            handled=self.handled,
            talk=self.talk_total,
            wrapup=self.wrapup_total,
            busy=self.busy_time,
            logged_in=self.logged_in_time,
        )

    def kpis(self) -> Kpis:
        return kpis_of(self.totals(), ratings=self.ratings, good_ratings=self.good_ratings)
