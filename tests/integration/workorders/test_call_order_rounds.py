"""Work orders for calls drafted in rounds (one transaction for many calls), on SQLite and
PostgreSQL: every call gets its own order and number, hang-ups in the same round as other
calls' answers are noted, a call that already has an order keeps it, and one bad call does
not lose the others' orders."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from wo_helpers import Desk

from helpline.app.workorders.calls import CallJob, _rounds
from helpline.bootstrap import Container


def _run(client: TestClient, container: Container, jobs: list[CallJob]) -> None:
    client.portal.call(container.call_orders.handle_round, jobs)  # type: ignore[union-attr]


def _order_of(client: TestClient, headers: dict[str, str], call_id: str) -> dict[str, Any]:
    found = client.get("/api/v1/workorders", headers=headers, params={"call_id": call_id}).json()["items"]
    assert len(found) == 1, found
    return dict(found[0])


def test_a_round_drafts_each_call_its_own_order(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    container = desk.container
    at = desk.now()
    agent = desk.agent_user.id
    answered = [
        CallJob("answered", "default", f"round-{n}", at + n, f"1380000000{n}", agent) for n in range(5)
    ]
    _run(client, container, answered)

    orders = [desk.get(_order_of(client, desk.agent, job.call_id)["id"]) for job in answered]
    numbers = [o["number"] for o in orders]
    assert len(set(numbers)) == 5  # one number each, in the order the calls came
    assert [int(n[-4:]) for n in numbers] == list(range(int(numbers[0][-4:]), int(numbers[0][-4:]) + 5))
    assert {o["first_owner_id"] for o in orders} == {agent}
    assert all(o["call_ended_at"] is None for o in orders)

    # hang-ups of three calls, an answer of a new one and of a call that has its order already
    ended = [
        CallJob("ended", "default", job.call_id, at + 10 + n, job.number)
        for n, job in enumerate(answered[:3])
    ]
    again = CallJob("answered", "default", answered[4].call_id, at + 20, answered[4].number, agent)
    fresh = CallJob("answered", "default", "round-new", at + 21, "13900000000", agent)
    _run(client, container, [*ended, again, fresh])

    for n, job in enumerate(answered):
        order = desk.get(_order_of(client, desk.agent, job.call_id)["id"], desk.agent)
        assert (order["call_ended_at"] is not None) == (n < 3), order
        assert ("completion" in {c["kind"] for c in order["clocks"]}) == (n < 3)  # the 15 minutes
    assert _order_of(client, desk.agent, "round-new")["number"] not in numbers


def test_a_bad_call_in_a_round_does_not_lose_the_others(client: TestClient, make_user: Any) -> None:
    desk = Desk(client, make_user)
    at = desk.now()
    good = CallJob("answered", "default", "round-good", at, "13800000001", desk.agent_user.id)
    bad = CallJob("answered", "nobody", "round-bad", at, "13800000002", desk.agent_user.id)  # no such tenant
    orders = desk.container.call_orders

    async def both_in_one_round() -> None:
        orders.queues[0].put_nowait(bad)  # queued together: the worker takes them as one round
        orders.queues[0].put_nowait(good)
        await orders.settle()

    client.portal.call(both_in_one_round)  # type: ignore[union-attr]
    assert _order_of(client, desk.agent, "round-good")["first_owner_id"] == desk.agent_user.id


def test_rounds_cut_where_a_call_comes_again() -> None:
    def job(kind: str, call: str) -> CallJob:
        return CallJob(kind, "t", call, 0.0, "1")

    jobs = [
        job("answered", "a"),
        job("answered", "b"),
        job("ended", "a"),
        job("ended", "b"),
        job("ended", "c"),
    ]
    assert [[(j.kind, j.call_id) for j in r] for r in _rounds(jobs)] == [
        [("answered", "a"), ("answered", "b")],
        [("ended", "a"), ("ended", "b"), ("ended", "c")],
    ]
