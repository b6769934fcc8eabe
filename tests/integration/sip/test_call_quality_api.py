"""The call quality API on both databases: per-leg rows written as the SIP bridge writes them
when a call ends, read back by the agent of the call and by leaders, 404 to anyone else and
to other tenants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from helpline.adapters.db.tables.acd import CallRecord
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket
from helpline.adapters.telephony.sip.rtp_stats import FarEndReport, RtpStats, SourceStats
from helpline.app.telephony.call_quality import leg_qualities
from helpline.app.telephony.recordings import keep_ended_call


def stats(role: str, codec: str, received: int, lost: int) -> RtpStats:
    """Real statistics: packets fed through the RFC 3550 accounting, one far-end report."""
    result = RtpStats(
        packets_sent=250, octets_sent=40000, codec=codec, role=role, rtcp_sent=3, rtcp_received=2
    )
    source = result.sources[7] = SourceStats(0, 0)
    for seq in [0, *range(lost + 1, received + lost)]:  # seq 1..lost never arrive
        source.update(RtpPacket(0, seq, seq * 160, 7, b""), seq * 160)
    result.packets_received, result.bytes_received = source.received, 160 * source.received
    result.far_end = FarEndReport(fraction_lost=0.01, cumulative_lost=2, jitter_ms=3.5, rtt_ms=12.0)
    return result


def test_quality_rows_are_kept_with_the_call_and_guarded_by_role_and_tenant(
    client: TestClient, app: FastAPI, make_user: Any
) -> None:
    agent, agent_headers = make_user("agent")
    _, colleague = make_user("agent")
    _, leader = make_user("leader")
    _, other_leader = make_user("leader", tenant="other")
    container = app.state.container

    async def store() -> None:
        async with container.sessionmaker() as session, session.begin():
            session.add(
                CallRecord(
                    id="sip-q1",
                    tenant_id="default",
                    caller="13800138000",
                    callee="100",
                    agent_id=agent.id,
                    arrived_at=datetime.now(UTC),
                )
            )
        legs = leg_qualities(
            {"caller": stats("caller", "PCMU", 240, 10), agent.id: stats("agent", "PCMA", 250, 0)}
        )
        async with container.units("default") as uow:
            await keep_ended_call(uow, "sip-q1", [], legs)

    client.portal.call(store)
    for headers in (agent_headers, leader):
        response = client.get("/api/v1/calls/sip-q1/quality", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["call_id"] == "sip-q1"
        caller, agent_leg = body["legs"]
        assert (caller["leg"], caller["role"], caller["codec"]) == ("caller", "caller", "PCMU")
        assert (agent_leg["leg"], agent_leg["role"], agent_leg["codec"]) == (agent.id, "agent", "PCMA")
        assert caller["packets_lost"] == 10 and agent_leg["packets_lost"] == 0
        assert caller["packets_received"] == 240 and caller["octets_received"] == 240 * 160
        assert agent_leg["remote_packets_lost"] == 2 and agent_leg["rtt_ms"] == 12.0
        assert agent_leg["rtcp_sent"] == 3 and agent_leg["remote_jitter_ms"] == 3.5
    for headers in (colleague, other_leader):  # not on the call; another tenant's call
        response = client.get("/api/v1/calls/sip-q1/quality", headers=headers)
        assert response.status_code == 404 and response.json()["code"] == "call_not_found"
    assert client.get("/api/v1/calls/sip-q1/quality").status_code == 401
