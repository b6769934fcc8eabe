"""The floor ports: the in-memory fakes and the database adapters (SQLite and PostgreSQL)
must answer alike, so the use cases' unit tests on the fakes say something about the server."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.floor.ports import FloorUnit
from helpline.bootstrap import Container
from helpline.domain.errors import NotFound
from helpline.domain.floor.norms import NormPolicy
from helpline.domain.floor.records import AgentMessage, BreakRequest, StoredAlert
from helpline.domain.people.accounts import Tenant

Units = Callable[[str], AbstractAsyncContextManager[FloorUnit]]
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def _break(agent: str, at: datetime = T0, status: str = "pending") -> BreakRequest:
    return BreakRequest(0, "", agent, "other", 3, at, note="洗手间", status=status)


def _message(to: str | None, batch: str = "b1", at: datetime = T0) -> AgentMessage:
    return AgentMessage(0, "", "leader-1", to, batch, to is None, "全体就绪", at)


def _alert(kind: str, at: datetime = T0, agent: str | None = "a1") -> StoredAlert:
    return StoredAlert(0, "", kind, at, agent, "call-1", None, {"limit": 30.0})


async def _other_tenant(units: Units) -> None:
    async with units("default") as uow:
        await uow.tenants.add(Tenant("other", "Other"))
        await uow.commit()


class FloorContract:
    """Every check here runs on each implementation (fixture ``units``)."""

    async def test_a_break_request_is_stored_changed_and_found_again(self, units: Units) -> None:
        async with units("default") as uow:
            added = await uow.breaks.add(_break("a1"))
            await uow.commit()
        assert added.id > 0 and added.tenant_id == "default" and added.requested_at == T0
        async with units("default") as uow:
            found = await uow.breaks.get(added.id)
            assert found == added and found is not None
            found.decide(True, "leader-1", "快去快回", T0 + timedelta(minutes=1))
            found.start(T0 + timedelta(minutes=2))
            await uow.breaks.save(found)
            await uow.commit()
        async with units("default") as uow:
            assert await uow.breaks.get(added.id) == found
            assert [b.id for b in await uow.breaks.started()] == [added.id]

    async def test_one_open_request_per_agent_is_found(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.breaks.add(_break("a1", status="refused"))
            open_one = await uow.breaks.add(_break("a1", status="approved"))
            await uow.breaks.add(_break("a2", status="ended"))
            await uow.commit()
        async with units("default") as uow:
            assert await uow.breaks.open_of("a1") == open_one.id
            assert await uow.breaks.open_of("a2") is None

    async def test_breaks_are_listed_newest_first_and_filtered(self, units: Units) -> None:
        async with units("default") as uow:
            first = await uow.breaks.add(_break("a1", T0))
            second = await uow.breaks.add(_break("a2", T0 + timedelta(minutes=5), status="approved"))
            third = await uow.breaks.add(_break("a1", T0 + timedelta(minutes=9), status="ended"))
            await uow.commit()
        async with units("default") as uow:
            assert [b.id for b in await uow.breaks.list()] == [third.id, second.id, first.id]
            assert [b.id for b in await uow.breaks.list(agent_id="a1")] == [third.id, first.id]
            open_ones = await uow.breaks.list(statuses=("pending", "approved"))
            assert [b.id for b in open_ones] == [second.id, first.id]
            assert [b.id for b in await uow.breaks.list(limit=1)] == [third.id]

    async def test_another_tenants_floor_is_not_there(self, units: Units) -> None:
        await _other_tenant(units)
        async with units("other") as uow:
            request = await uow.breaks.add(_break("a1"))
            (message,) = await uow.messages.add_all([_message("a1")])
            (alert,) = await uow.norm_alerts.add_all([_alert("long_hold")])
            await uow.commit()
        async with units("default") as uow:
            assert await uow.breaks.get(request.id) is None and await uow.breaks.list() == []
            assert await uow.breaks.open_of("a1") is None
            assert await uow.messages.get(message.id) is None and await uow.messages.recent() == []
            assert await uow.messages.inbox("a1") == [] and await uow.messages.unread("a1") == 0
            assert await uow.norm_alerts.get(alert.id) is None and await uow.norm_alerts.list() == []

    async def test_messages_get_their_ids_and_are_read_one_or_all(self, units: Units) -> None:
        async with units("default") as uow:
            one = await uow.messages.add_all([_message("a1", "b1")])
            every = await uow.messages.add_all([_message("a1", "b2"), _message("a2", "b2")])
            await uow.commit()
        assert [m.to_user_id for m in every] == ["a1", "a2"] and one[0].id < every[0].id < every[1].id
        async with units("default") as uow:
            assert [m.id for m in await uow.messages.inbox("a1")] == [every[0].id, one[0].id]
            assert [m.id for m in await uow.messages.recent()] == [every[1].id, every[0].id, one[0].id]
            assert await uow.messages.unread("a1") == 2
            first = await uow.messages.get(one[0].id)
            assert first == one[0] and first is not None
            first.read_at = T0 + timedelta(minutes=1)
            await uow.messages.save(first)
            await uow.commit()
        async with units("default") as uow:
            assert await uow.messages.unread("a1") == 1
            await uow.messages.mark_all_read("a1", T0 + timedelta(minutes=2))
            await uow.commit()
        async with units("default") as uow:
            inbox = await uow.messages.inbox("a1")
            assert [m.read_at for m in inbox] == [T0 + timedelta(minutes=2), T0 + timedelta(minutes=1)]
            assert await uow.messages.unread("a1") == 0 and await uow.messages.unread("a2") == 1

    async def test_alerts_are_listed_open_or_since_and_acknowledged(self, units: Units) -> None:
        async with units("default") as uow:
            old, ring = await uow.norm_alerts.add_all(
                [_alert("long_absence"), _alert("long_ring", agent=None)]
            )
            (hold,) = await uow.norm_alerts.add_all([_alert("long_hold", T0 + timedelta(hours=1))])
            await uow.commit()
        assert ring.agent_id is None and hold.detail == {"limit": 30.0}
        async with units("default") as uow:
            found = await uow.norm_alerts.get(old.id)
            assert found == old and found is not None
            found.acknowledge("leader-1", T0 + timedelta(minutes=3))
            await uow.norm_alerts.save(found)
            await uow.commit()
        async with units("default") as uow:
            assert [a.id for a in await uow.norm_alerts.list()] == [hold.id, ring.id, old.id]
            assert [a.id for a in await uow.norm_alerts.list(unacknowledged=True)] == [hold.id, ring.id]
            later = await uow.norm_alerts.list(since=T0 + timedelta(minutes=30))
            assert [a.id for a in later] == [hold.id]
            assert await uow.norm_alerts.get(old.id) == found

    async def test_the_floor_limits_default_to_norms_and_are_kept(self, units: Units) -> None:
        async with units("default") as uow:
            assert await uow.norm_policy.get() == NormPolicy()
            changed = NormPolicy.from_settings({"hold_limit": 60.0, "scheduled_reasons": ["meal"]})
            await uow.norm_policy.save(changed)
            await uow.commit()
        async with units("default") as uow:
            assert await uow.norm_policy.get() == changed
            tenant = await uow.tenants.get("default")
        assert tenant is not None and tenant.settings["floor"]["hold_limit"] == 60.0
        async with units("nowhere") as uow:
            assert await uow.norm_policy.get() == NormPolicy()
            with pytest.raises(NotFound):
                await uow.norm_policy.save(changed)


class TestFakes(FloorContract):
    @pytest.fixture
    def units(self) -> Units:
        return FakeUnits()


class TestDatabase(FloorContract):
    @pytest.fixture
    def units(self, container: Container) -> Units:
        return container.units
