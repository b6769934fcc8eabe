"""Norm alerts on the in-memory fakes and a live center: raised once, stored before they are
announced, listed and acknowledged; the floor limits reach the live rules once stored."""

from __future__ import annotations

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.adapters.bus.memory import MemoryBus
from helpline.adapters.telephony.sim import SimSwitch
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import VirtualClock
from helpline.app.floor.breaks import FloorService
from helpline.app.floor.norm_alerts import NormAlertService
from helpline.domain.acd.agent import Agent
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.errors import NotFound
from helpline.domain.floor.events import NormAlert, NormAlertAcknowledged
from helpline.domain.floor.norms import NormPolicy
from helpline.domain.people.accounts import User

T0 = 1_772_400_000.0  # 2026-03-02 05:20 in China


async def _alerts(units: FakeUnits, clock: VirtualClock) -> tuple[NormAlertService, str]:
    async with units("default") as uow:
        agent = await uow.users.add(User("", "", "zhang", "h", "agent", display_name="Zhang"))
        await uow.commit()
    centers = CenterService(clock, MemoryBus(), SimSwitch())
    center = centers.center("default")
    center.put_queue(QueueConfig("general"))
    center.put_agent(Agent(agent.id, "default", queues={"general": 0}))
    center.login(agent.id, T0, ready=True)
    floor = FloorService(units, clock, centers)
    return NormAlertService(units, clock, MemoryBus(), centers, floor), agent.id


async def test_a_long_absence_is_stored_announced_once_and_acknowledged_once() -> None:
    units, clock = FakeUnits(), VirtualClock(T0)
    service, agent_id = await _alerts(units, clock)
    service.centers.center("default").not_ready(agent_id, "training", T0)
    assert await service.check(T0 + 299) == []
    (raised,) = await service.check(T0 + 301)
    assert (raised["kind"], raised["agent_id"], raised["agent_name"]) == ("long_absence", agent_id, "Zhang")
    assert await service.check(T0 + 900) == []  # once per absence
    (event,) = units.store.published
    assert isinstance(event, NormAlert) and event.id == raised["id"] and event.detail["agent_name"] == "Zhang"

    clock.set(T0 + 1000)
    async with units("default") as uow:
        assert [a["id"] for a in await service.list(uow, "open")] == [raised["id"]]
        acked = await service.acknowledge(uow, raised["id"], "leader-1")
    assert acked["acknowledged_by"] == "leader-1" and acked["acknowledged_at"] is not None
    async with units("default") as uow:
        again = await service.acknowledge(uow, raised["id"], "leader-2")
        assert again["acknowledged_by"] == "leader-1"  # the first acknowledgement counts
        assert await service.list(uow, "open") == []
        assert [a["id"] for a in await service.list(uow, "today")] == [raised["id"]]
        with pytest.raises(NotFound) as missing:
            await service.acknowledge(uow, 999, "leader-1")
    assert missing.value.code == "alert_not_found"
    acks = [e for e in units.store.published if isinstance(e, NormAlertAcknowledged)]
    assert [(e.id, e.by) for e in acks] == [(raised["id"], "leader-1"), (raised["id"], "leader-2")]
    async with units("acme") as uow:
        with pytest.raises(NotFound):
            await service.acknowledge(uow, raised["id"], "leader-1")


async def test_today_starts_at_midnight_in_china() -> None:
    units, clock = FakeUnits(), VirtualClock(T0)
    service, agent_id = await _alerts(units, clock)
    breach = {"type": "sla_breached", "kind": "completion", "order_id": "o1", "owner_id": agent_id, "at": T0}
    (raised,) = await service.on_sla_event("default", breach)
    assert (raised["kind"], raised["order_ref"]) == ("order_not_completed", "o1")
    assert await service.on_sla_event("default", {"type": "sla_met", "kind": "completion"}) == []
    clock.set(T0 + 18 * 3600)  # 23:20 the same day in China
    async with units("default") as uow:
        assert len(await service.list(uow, "today")) == 1
    clock.set(T0 + 19 * 3600)  # past midnight: a new day
    async with units("default") as uow:
        assert await service.list(uow, "today") == []
        assert len(await service.list(uow, "open")) == 1


async def test_new_limits_reach_the_live_rules_once_stored() -> None:
    units, clock = FakeUnits(), VirtualClock(T0)
    service, _ = await _alerts(units, clock)
    async with units("default") as uow:
        policy = await service.save_policy(uow, {"absence_limit": 120})
    assert service.watch("default").policy == policy and policy.absence_limit == 120
    async with units("default") as uow:
        assert await uow.norm_policy.get() == policy
    async with units("nowhere") as uow:
        with pytest.raises(NotFound):
            await service.save_policy(uow, {"absence_limit": 60})
    assert service.watch("nowhere").policy == NormPolicy()


async def test_start_loads_every_tenants_limits_and_running_breaks() -> None:
    units, clock = FakeUnits(), VirtualClock(T0)
    service, agent_id = await _alerts(units, clock)
    async with units("default") as uow:
        await uow.norm_policy.save(NormPolicy(hold_limit=45.0))
        asked = await service.floor.request_break(uow, _Agent(agent_id), "other", 3, "")
    async with units("default") as uow:
        await service.floor.decide(uow, _Agent("leader-1", "leader"), asked["id"], True, "")
    async with units("default") as uow:
        await service.floor.start(uow, _Agent(agent_id), asked["id"])
    restarted = NormAlertService(
        units, clock, MemoryBus(), service.centers, FloorService(units, clock, service.centers)
    )
    await restarted.start()
    try:
        assert restarted.watch("default").policy.hold_limit == 45.0
        assert [b.agent_id for b in restarted.floor.breaks_of("default")] == [agent_id]
        assert restarted.next_due in service.centers.deadline_sources
    finally:
        await restarted.stop()
    assert restarted.next_due not in service.centers.deadline_sources


class _Agent:
    def __init__(self, user_id: str, role: str = "agent") -> None:
        self.user_id, self.role, self.tenant_id = user_id, role, "default"
