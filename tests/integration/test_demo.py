"""The demo data a fresh ``make run`` loads: people, queues, and enough work-order set-up
(units, reason codes, a leader on duty, knowledge-base articles) to try every screen."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from helpline.app.demo import ARTICLES, REASON_CODES, UNITS, load_demo


def _load(client: TestClient, app: FastAPI) -> bool:
    container = app.state.container

    async def load() -> bool:
        async with container.units("default") as uow:
            return await load_demo(uow, container.centers, container.passwords)

    return bool(client.portal.call(load))


def _token(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_demo_loads_once_with_work_order_setup(client: TestClient, app: FastAPI) -> None:
    assert _load(client, app) is True
    assert _load(client, app) is False, "loaded once: a second start keeps what users changed"
    agent = _token(client, "agent1", "agent123")
    leader = _token(client, "leader", "leader123")

    units = client.get("/api/v1/units", headers=leader).json()
    assert {u["id"] for u in units} >= set(UNITS)
    codes = client.get("/api/v1/reason-codes", headers=agent).json()
    assert {n["code"] for n in codes} == {n["code"] for n in REASON_CODES}
    on_duty = client.get("/api/v1/duty/now", headers=leader).json()
    me = client.get("/api/v1/auth/me", headers=leader).json()
    assert on_duty["leader_id"] == me["id"], "the demo leader is on duty around the clock"

    found = client.get("/api/v1/kb/articles", headers=agent, params={"q": "停电"}).json()
    assert ARTICLES[0]["title"] in [a["title"] for a in found["items"]], (
        "agents find the published articles in Chinese"
    )
