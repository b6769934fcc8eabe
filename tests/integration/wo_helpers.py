"""Shared set-up for the work-order tests: people, valid content, and short calls of the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from helpline.bootstrap import Container

INQUIRY = {
    "category": "inquiry",
    "location": "朝阳区建国路",
    "summary": "咨询计划停水的时间",
    "event_time": "今天上午十点",
    "place": "建国路 1 号院",
    "course": "小区贴出停水通知, 来电人想知道何时恢复供水",
    "request": "告知恢复供水时间",
    "reason_code": "water.outage",
    "answer_mode": "direct",
    "answer": "预计今晚八点恢复供水",
    "basis": [{"kind": "policy", "ref": "京水务〔2026〕12号", "title": "计划停水公告"}],
}
COMPLAINT = {
    "category": "complaint",
    "location": "海淀区中关村大街",
    "summary": "施工噪音扰民已持续一周",
    "event_time": "每晚十一点以后",
    "place": "中关村大街 27 号工地",
    "course": "工地夜间施工, 多次反映无果",
    "request": "要求停止夜间施工",
    "reason_code": "noise.construction",
}


class Desk:
    """An admin, a leader and two agents of one tenant, and short calls of the work-order API."""

    def __init__(self, client: TestClient, make_user: Any, tenant: str = "default") -> None:
        self.client = client
        self.make_user = make_user
        self.tenant = tenant
        self.admin_user, self.admin = make_user("admin", tenant)
        self.leader_user, self.leader = make_user("leader", tenant)
        self.agent_user, self.agent = make_user("agent", tenant)
        self.other_user, self.other = make_user("agent", tenant)

    @property
    def container(self) -> Container:
        container: Container = self.client.app.state.container  # type: ignore[attr-defined]
        return container

    def create(self, headers: dict[str, str] | None = None, expect: int = 201, **body: Any) -> dict[str, Any]:
        response = self.client.post("/api/v1/workorders", headers=headers or self.agent, json=body)
        assert response.status_code == expect, response.text
        return dict(response.json())

    def get(self, ref: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/workorders/{ref}", headers=headers or self.agent)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def edit(
        self, ref: str, headers: dict[str, str] | None = None, expect: int = 200, **values: Any
    ) -> dict[str, Any]:
        response = self.client.patch(f"/api/v1/workorders/{ref}", headers=headers or self.agent, json=values)
        assert response.status_code == expect, response.text
        return dict(response.json())

    def act(
        self, ref: str, action: str, headers: dict[str, str] | None = None, expect: int = 200, **body: Any
    ) -> dict[str, Any]:
        response = self.client.post(
            f"/api/v1/workorders/{ref}/{action}", headers=headers or self.agent, json=body
        )
        assert response.status_code == expect, response.text
        return dict(response.json())

    def reasons(self) -> None:
        """A small reason-code tree that fits the sample content."""
        nodes = [
            {"code": "water", "label": "供水"},
            {"code": "water.outage", "label": "停水", "parent": "water"},
            {"code": "noise", "label": "噪音", "categories": ["complaint", "help", "suggestion"]},
            {"code": "noise.construction", "label": "施工噪音", "parent": "noise"},
        ]
        response = self.client.put("/api/v1/reason-codes", headers=self.admin, json={"nodes": nodes})
        assert response.status_code == 200, response.text

    def unit(self, unit_id: str, **values: Any) -> dict[str, Any]:
        response = self.client.put(f"/api/v1/units/{unit_id}", headers=self.admin, json=values)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def members(self, unit_id: str, *user_ids: str) -> None:
        response = self.client.put(
            f"/api/v1/units/{unit_id}/members", headers=self.admin, json={"user_ids": list(user_ids)}
        )
        assert response.status_code == 200, response.text

    def on_duty_all_day(self, leader_id: str | None = None) -> None:
        response = self.client.post(
            "/api/v1/duty/shifts",
            headers=self.admin,
            json={"leader_id": leader_id or self.leader_user.id, "hours": "00:00-24:00"},
        )
        assert response.status_code == 201, response.text

    def submitted(self, values: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        order = self.create(headers, values=values)
        return self.act(order["id"], "submit", headers)

    def settle(self) -> None:
        """Wait for the orders the server makes for calls."""
        self.client.portal.call(self.container.call_orders.settle)  # type: ignore[union-attr]

    def tick(self, at: float) -> list[Any]:
        """Let the SLA clocks see time ``at`` (epoch seconds)."""
        return list(self.client.portal.call(self.container.sla.tick, at))  # type: ignore[union-attr]

    def now(self) -> float:
        return self.container.clock.now()
