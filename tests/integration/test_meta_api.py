"""``GET /api/v1/meta``: the enumerations the screens offer are the domain's, every value named
in both UI languages; and the queue schema's allowed values are those same enumerations."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from helpline.app.people.security import ROLES
from helpline.domain.acd.agent import AgentState, WorkMode
from helpline.domain.acd.queue import AfterWrapUp, ExitAction, Strategy
from helpline.domain.workorders.classification import Category
from helpline.domain.workorders.content import AnswerMode, FieldType, Priority
from helpline.domain.workorders.flow import Channel, WorkOrderState

ENUMS: dict[str, type[Enum]] = {
    "queue_strategies": Strategy,
    "exit_actions": ExitAction,
    "after_wrapup": AfterWrapUp,
    "agent_states": AgentState,
    "work_modes": WorkMode,
    "workorder_states": WorkOrderState,
    "workorder_categories": Category,
    "workorder_priorities": Priority,
    "workorder_channels": Channel,
    "answer_modes": AnswerMode,
    "workorder_field_types": FieldType,
}


def test_meta_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get("/api/v1/meta").status_code == 401
    assert client.get("/api/v1/meta", headers={"Authorization": "Bearer nonsense"}).status_code == 401


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_meta_lists_the_domain_enumerations_in_order(client: TestClient, make_user: Any, role: str) -> None:
    _, headers = make_user(role)
    response = client.get("/api/v1/meta", headers=headers)
    assert response.status_code == 200, response.text
    meta = response.json()
    assert meta["languages"] == ["zh-CN", "en"]
    for name, enum in ENUMS.items():
        assert [c["value"] for c in meta[name]] == [m.value for m in enum], name
    assert [c["value"] for c in meta["roles"]] == list(ROLES)
    assert set(meta) == {*ENUMS, "roles", "languages"}


def test_every_value_has_a_name_in_both_languages(client: TestClient, make_user: Any) -> None:
    _, headers = make_user("agent")
    meta = client.get("/api/v1/meta", headers=headers).json()
    for name in (*ENUMS, "roles"):
        for choice in meta[name]:
            assert set(choice["labels"]) == {"zh-CN", "en"}, (name, choice)
            assert all(text.strip() for text in choice["labels"].values()), (name, choice)
        for lang in ("zh-CN", "en"):  # two values with one name could not be told apart
            texts = [c["labels"][lang] for c in meta[name]]
            assert len(set(texts)) == len(texts), (name, lang, texts)
    strategies = {c["value"]: c["labels"] for c in meta["queue_strategies"]}
    assert strategies["longest_idle"] == {"zh-CN": "最长空闲", "en": "Longest idle"}


def test_the_queue_schema_allows_exactly_the_domain_values(app: FastAPI) -> None:
    properties = app.openapi()["components"]["schemas"]["QueueIn"]["properties"]
    for field, enum in [("strategy", Strategy), ("exit_action", ExitAction), ("after_wrapup", AfterWrapUp)]:
        allowed = properties[field]["anyOf"][0]
        assert allowed == {"enum": [m.value for m in enum], "type": "string"}, field


def test_a_strategy_outside_the_domain_is_refused(client: TestClient, make_user: Any) -> None:
    _, headers = make_user("supervisor")
    response = client.post("/api/v1/queues", json={"id": "q1", "strategy": "loudest"}, headers=headers)
    assert response.status_code == 422
    created = client.post("/api/v1/queues", json={"id": "q1", "strategy": "ring_all"}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["strategy"] == "ring_all"
