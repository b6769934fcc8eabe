"""Call quality for Prometheus: totals over ended call legs (``observe`` the rows of
``helpline.app.telephony.call_quality.leg_rows``) and the live legs' loss and jitter, read from the
switch when scraped (nothing is updated on the media path)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from helpline.adapters.telephony.sip.rtp_stats import RtpStats

if TYPE_CHECKING:
    from helpline.adapters.telephony.sip.calls import SwitchCall

TOTALS = (
    "packets_sent",
    "packets_received",
    "packets_lost",
    "octets_sent",
    "octets_received",
    "rtcp_sent",
    "rtcp_received",
)


class MediaMetrics(Collector):
    """``observe`` each finished call; ``live_calls`` gives the calls up now (the switch's)."""

    def __init__(self, live_calls: Callable[[], Mapping[str, SwitchCall]] | None = None) -> None:
        self.live_calls = live_calls
        self.totals: dict[tuple[str, str, str], int] = defaultdict(int)  # (tenant, role, what)
        self.legs: dict[tuple[str, str], int] = defaultdict(int)  # (tenant, role) -> legs ended

    def observe(self, tenant_id: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.legs[tenant_id, row["role"]] += 1
            for what in TOTALS:
                self.totals[tenant_id, row["role"], what] += int(row.get(what) or 0)

    def collect(self) -> Iterator[Metric]:
        legs = CounterMetricFamily("helpline_rtp_legs", "Call legs ended, by role", labels=["tenant", "role"])
        for (tenant, role), count in sorted(self.legs.items()):
            legs.add_metric([tenant, role], count)
        yield legs
        for what in TOTALS:
            family = CounterMetricFamily(
                f"helpline_rtp_{what}",
                f"RTP/RTCP {what.replace('_', ' ')} on ended call legs",
                labels=["tenant", "role"],
            )
            for (tenant, role, name), value in sorted(self.totals.items()):
                if name == what:
                    family.add_metric([tenant, role], value)
            yield family
        live = GaugeMetricFamily("helpline_rtp_live_legs", "Call legs with media now", labels=["tenant"])
        jitter = GaugeMetricFamily(
            "helpline_rtp_live_jitter_ms_max",
            "Worst interarrival jitter (RFC 3550) among live legs, ms",
            labels=["tenant"],
        )
        lost = GaugeMetricFamily(
            "helpline_rtp_live_packets_lost", "Packets lost so far on live legs", labels=["tenant"]
        )
        per_tenant: dict[str, list[RtpStats]] = defaultdict(list)
        for call in (self.live_calls() if self.live_calls else {}).values():
            per_tenant[call.tenant_id].append(call.caller_leg.rtp.stats)
            per_tenant[call.tenant_id] += [leg.rtp.stats for _, leg in call.placed if leg.live]
        for tenant, stats in sorted(per_tenant.items()):
            live.add_metric([tenant], len(stats))
            jitter.add_metric([tenant], max(s.jitter_ms for s in stats))
            lost.add_metric([tenant], sum(s.lost for s in stats))
        yield live
        yield jitter
        yield lost
