"""Prometheus view of the live centers: callers waiting, the oldest wait, agents by state.

A collector reads the core when Prometheus scrapes, so the figures are never stale and
nothing is updated on the hot path.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from helpline.app.acd.center_service import CenterService


class CenterCollector(Collector):
    def __init__(self, centers: CenterService) -> None:
        self.centers = centers

    def collect(self) -> Iterator[Metric]:
        now = self.centers.clock.now()
        waiting = GaugeMetricFamily(
            "helpline_queue_waiting_calls", "Callers waiting in a queue", labels=["tenant", "queue"]
        )
        oldest = GaugeMetricFamily(
            "helpline_queue_oldest_wait_seconds",
            "How long the longest-waiting caller has waited",
            labels=["tenant", "queue"],
        )
        agents = GaugeMetricFamily(
            "helpline_agents", "Agents by soft-phone state", labels=["tenant", "state"]
        )
        active = GaugeMetricFamily("helpline_active_calls", "Calls in progress", labels=["tenant"])
        for tenant, center in self.centers.centers.items():
            for queue_id in center.router.queues:
                status = center.queue_status(queue_id, now)
                waiting.add_metric([tenant, queue_id], float(status["waiting"]))  # type: ignore[arg-type]
                oldest.add_metric([tenant, queue_id], float(status["oldest_wait"]))  # type: ignore[arg-type]
            counts: dict[str, int] = {}
            for agent in center.agents.values():
                counts[agent.state.value] = counts.get(agent.state.value, 0) + 1
            for state, count in counts.items():
                agents.add_metric([tenant, state], count)
            active.add_metric([tenant], sum(1 for c in center.calls.values() if not c.is_final))
        yield from (waiting, oldest, agents, active)
