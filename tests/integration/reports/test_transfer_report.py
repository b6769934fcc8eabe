"""The call record and the per-agent figures after an attended transfer (consult, complete).

The call record keeps naming the agent who answered (``agent_id``: its meaning is unchanged);
its ``call_transferred`` segment names the second agent. The per-agent report credits each
agent with their own part, and the caller's rating goes to the agent they were rated after.
"""

from __future__ import annotations

from typing import Any

from acd_helpers import Floor
from fastapi.testclient import TestClient


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def test_each_agent_is_credited_with_their_own_part_of_a_transferred_call(
    client: TestClient, make_user: Any
) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    first_id, first = floor.agent({"general": 0})
    second_id, second = floor.agent({"general": 0}, ready=False)
    call_id = floor.call()
    ok(client.post(f"/api/v1/calls/{call_id}/answer", headers=first))
    for step in ("login", "ready"):  # ready once the call went to the first agent
        ok(client.post(f"/api/v1/agents/me/{step}", headers=second))
    consult = ok(
        client.post(f"/api/v1/calls/{call_id}/consult", headers=first, json={"to_agent_id": second_id})
    )
    ok(client.post(f"/api/v1/calls/{consult['consult_call_id']}/answer", headers=second))
    ok(client.post(f"/api/v1/calls/{call_id}/consult/complete", headers=first))
    ok(client.post(f"/api/v1/calls/{call_id}/hangup", headers=second))
    ok(client.post(f"/api/v1/sim/calls/{call_id}/rate", headers=floor.leader, json={"score": 5}))

    record = ok(client.get(f"/api/v1/calls/{call_id}", headers=floor.leader))
    assert record["agent_id"] == first_id and record["outcome"] == "handled"  # who answered
    [moved] = [s for s in record["segments"] if s["type"] == "call_transferred"]
    assert moved["to_agent_id"] == second_id and moved["flow"] == "attended"

    rows = ok(client.get("/api/v1/reports/agent-calls", headers=floor.leader))["rows"]
    by_agent = {row["agent_id"]: row for row in rows}
    assert set(by_agent) == {first_id, second_id}
    assert by_agent[first_id]["handled"] == 1 and by_agent[second_id]["handled"] == 1
    assert all(row["talk_seconds"] >= 0 and row["aht"] is not None for row in rows)

    happy = ok(client.get("/api/v1/reports/satisfaction", headers=floor.leader))["rows"]
    assert [(r["surveys"], r["satisfied"]) for r in happy] == [(1, 1.0)]


def test_agent_calls_report_is_for_leaders_of_the_tenant(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    _, agent = floor.agent({"general": 0})
    assert client.get("/api/v1/reports/agent-calls", headers=agent).status_code == 403
    _, elsewhere = make_user("leader", "other")
    assert ok(client.get("/api/v1/reports/agent-calls", headers=elsewhere))["rows"] == []
    csv = client.get("/api/v1/reports/agent-calls", params={"format": "csv"}, headers=floor.leader)
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").startswith("坐席 Agent")
