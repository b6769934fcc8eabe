"""Shared set-up for the ACD API tests: a queue, agents with profiles, and polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient


class Floor:
    """A small call-center floor built through the API: admin, leader, agents and a queue."""

    def __init__(self, client: TestClient, make_user: Any, tenant: str = "default") -> None:
        self.client = client
        self.make_user = make_user
        self.tenant = tenant
        _, self.admin = make_user("admin", tenant)
        self.leader_user, self.leader = make_user("leader", tenant)

    def queue(self, queue_id: str = "general", **values: Any) -> dict[str, Any]:
        response = self.client.post("/api/v1/queues", json={"id": queue_id, **values}, headers=self.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def agent(
        self, queues: dict[str, int], skills: dict[str, int] | None = None, ready: bool = True
    ) -> tuple[str, dict[str, str]]:
        user, headers = self.make_user("agent", self.tenant)
        response = self.client.post(
            "/api/v1/agents",
            headers=self.admin,
            json={"user_id": user.id, "queues": queues, "skills": skills or {}, "extension": "8001"},
        )
        assert response.status_code == 201, response.text
        if ready:
            assert self.client.post("/api/v1/agents/me/login", headers=headers).status_code == 200
            assert self.client.post("/api/v1/agents/me/ready", headers=headers).status_code == 200
        return user.id, headers

    def call(self, queue_id: str = "general", headers: dict[str, str] | None = None, **values: Any) -> str:
        response = self.client.post(
            "/api/v1/sim/calls", headers=headers or self.leader, json={"queue_id": queue_id, **values}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["call_id"])

    def state(self, headers: dict[str, str]) -> dict[str, Any]:
        response = self.client.get("/api/v1/agents/me", headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for something the server's timers do; fails with the last state when it never comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    assert check(), "condition not reached in time"
