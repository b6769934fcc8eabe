"""The ACD ports (queues, agent profiles, skills, tenant settings, callback requests, call
records): the in-memory fakes and the database adapters (SQLite and PostgreSQL) must answer alike."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from fakes.acd import AcdTables
from fakes.unit_of_work import FakeUnits
from helpline.adapters.db.tables.acd import AgentStateLog, CallEventRow, CallRecord
from helpline.app.acd.ports import AcdUnit
from helpline.bootstrap import Container
from helpline.domain.acd.records import (
    AgentProfile,
    CallbackRequest,
    CallDetail,
    CallSegment,
    QueueRecord,
    Skill,
)
from helpline.domain.people.accounts import Tenant, User

Units = Callable[[str], AbstractAsyncContextManager[AcdUnit]]
AT = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


async def _user(uow: AcdUnit, name: str) -> User:
    return await uow.users.add(
        User(id="", tenant_id="", username=name, password_hash="h", role="agent", display_name=name)
    )


class AcdContract:
    async def test_a_queue_is_stored_changed_listed_and_deleted(self, units: Units) -> None:
        queue = QueueRecord(
            "general",
            name="综合",
            required_skills={"zh": 1},
            overflow=[{"after": 60.0, "max_penalty": 1, "drop_skills": [], "to_queue_id": None}],
        )
        async with units("default") as uow:
            await uow.queues.add(queue)
            await uow.queues.add(QueueRecord("billing", max_wait=30.0, exit_action="callback"))
            await uow.commit()
        async with units("default") as uow:
            assert await uow.queues.get("general") == queue
            assert [q.id for q in await uow.queues.list()] == ["billing", "general"]
            queue.strategy, queue.max_length, queue.overflow = "ring_all", 5, []
            await uow.queues.save(queue)
            await uow.commit()
        async with units("default") as uow:
            assert await uow.queues.get("general") == queue
            await uow.queues.delete("billing")
            await uow.commit()
        async with units("default") as uow:
            assert [q.id for q in await uow.queues.list()] == ["general"]

    async def test_a_tenant_sees_only_its_own_configuration(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.queues.add(QueueRecord("general"))
            await uow.skills.put(Skill("zh", "普通话"))
            agent = await _user(uow, "li")
            await uow.agent_profiles.add(AgentProfile(agent.id, "8001", {"zh": 5}, {"general": 0}))
            await uow.commit()
        async with units("other") as uow:
            assert await uow.queues.get("general") is None and await uow.queues.list() == []
            assert await uow.skills.list() == [] and await uow.agent_profiles.list() == []
            assert await uow.agent_profiles.get(agent.id) is None
            await uow.queues.add(QueueRecord("general", name="theirs"))  # the same id, another tenant
            await uow.commit()
        async with units("default") as uow:
            mine = await uow.queues.get("general")
        assert mine is not None and mine.name == ""

    async def test_agent_profiles_and_skills(self, units: Units) -> None:
        async with units("default") as uow:
            wang, li = await _user(uow, "wang"), await _user(uow, "li")
            await uow.agent_profiles.add(AgentProfile(wang.id, "8002"))
            await uow.agent_profiles.add(AgentProfile(li.id, "8001", {"en": 7}, {"general": 1}, "manual_in"))
            await uow.skills.put(Skill("zh", "Mandarin"))
            await uow.skills.put(Skill("en", "English"))
            await uow.commit()
        async with units("default") as uow:
            profile = await uow.agent_profiles.get(li.id)
            assert profile == AgentProfile(li.id, "8001", {"en": 7}, {"general": 1}, "manual_in")
            assert {p.id for p in await uow.agent_profiles.list()} == {wang.id, li.id}
            profile.queues, profile.extension = {}, "8009"
            await uow.agent_profiles.save(profile)
            await uow.skills.put(Skill("zh", "普通话", "the default language"))
            await uow.commit()
        async with units("default") as uow:
            assert await uow.agent_profiles.get(li.id) == profile
            assert await uow.skills.list() == [
                Skill("en", "English"),
                Skill("zh", "普通话", "the default language"),
            ]

    async def test_tenant_settings_are_merged(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.tenant_settings.update({"not_ready_reasons": ["break"]})
            await uow.tenant_settings.update({"demo_loaded": True})
            await uow.commit()
        async with units("default") as uow:
            assert await uow.tenant_settings.get() == {"not_ready_reasons": ["break"], "demo_loaded": True}

    async def test_callback_requests(self, units: Units) -> None:
        async with units("default") as uow:
            first = await uow.callbacks.add(
                CallbackRequest("", "c1", "13800138000", "general", "ivr", data={"ivr": {}})
            )
            second = await uow.callbacks.add(CallbackRequest("", "c2", "13900139000", None, "queue"))
            await uow.commit()
        assert first.id and first.requested_at is not None and first.status == "open"
        async with units("default") as uow:
            assert await uow.callbacks.by_call("c1") == first
            assert await uow.callbacks.by_call("c3") is None
            second.status, second.data = "done", {"done_by": "u1"}
            await uow.callbacks.save(second)
            await uow.commit()
        async with units("default") as uow:
            assert await uow.callbacks.get(second.id) == second
            assert [r.id for r in await uow.callbacks.list(status="open", limit=10)] == [first.id]
            assert {r.id for r in await uow.callbacks.list(status=None, limit=10)} == {first.id, second.id}
            assert len(await uow.callbacks.list(status=None, limit=1)) == 1
        async with units("other") as uow:
            assert await uow.callbacks.get(first.id) is None and await uow.callbacks.by_call("c1") is None

    async def test_call_records(self, units: Units, recorded: None) -> None:
        """(``recorded``: the call as the event recorder leaves it.)"""
        async with units("default") as uow:
            detail = await uow.call_records.get("call-1")
            segments = await uow.call_records.segments("call-1")
            assert await uow.call_records.took_part("agent-1", "call-1")
            assert not await uow.call_records.took_part("agent-2", "call-1")
            assert await uow.call_records.get("nope") is None
        assert detail == DETAIL
        assert segments == SEGMENTS
        async with units("other") as uow:
            assert (
                await uow.call_records.get("call-1") is None
                and await uow.call_records.segments("call-1") == []
            )


DETAIL = CallDetail(
    "call-1",
    "inbound",
    "13800138000",
    "12345",
    "general",
    "agent-1",
    AT,
    AT,
    AT,
    None,
    3.0,
    None,
    None,
    None,
    "active",
    None,
    None,
)
SEGMENTS = [
    CallSegment("queued", AT, None, {"queue_id": "general"}),
    CallSegment("answered", AT, "agent-1", {}),
]


class TestFakes(AcdContract):
    @pytest.fixture
    def fake(self) -> FakeUnits:
        fake = FakeUnits()
        fake.store.people.tenants["other"] = Tenant("other", "Other")
        return fake

    @pytest.fixture
    def units(self, fake: FakeUnits) -> Units:
        return fake

    @pytest.fixture
    def recorded(self, fake: FakeUnits) -> None:
        tables: AcdTables = fake.store.acd
        tables.calls["default", "call-1"] = DETAIL
        tables.segments["default", "call-1"] = list(SEGMENTS)
        tables.state_log.add(("default", "agent-1", "call-1"))


class TestDatabase(AcdContract):
    @pytest.fixture
    async def units(self, container: Container) -> Units:
        async with container.units("default") as uow:
            if await uow.tenants.get("other") is None:
                await uow.tenants.add(Tenant("other", "Other"))
                await uow.commit()
        return container.units

    @pytest.fixture
    async def recorded(self, container: Container) -> None:
        async with container.sessionmaker() as session, session.begin():
            d = DETAIL
            await session.execute(
                insert(CallRecord).values(
                    tenant_id="default",
                    id=d.id,
                    direction=d.direction,
                    caller=d.caller,
                    callee=d.callee,
                    queue_id=d.queue_id,
                    agent_id=d.agent_id,
                    arrived_at=d.arrived_at,
                    queued_at=d.queued_at,
                    answered_at=d.answered_at,
                    wait_seconds=d.wait_seconds,
                    outcome=d.outcome,
                )
            )
            for s in SEGMENTS:
                await session.execute(
                    insert(CallEventRow).values(
                        tenant_id="default",
                        call_id="call-1",
                        at=s.at,
                        type=s.type,
                        agent_id=s.agent_id,
                        data=s.data,
                    )
                )
            await session.execute(
                insert(AgentStateLog).values(
                    tenant_id="default",
                    agent_id="agent-1",
                    at=AT,
                    old_state="ringing",
                    new_state="talking",
                    call_id="call-1",
                )
            )
