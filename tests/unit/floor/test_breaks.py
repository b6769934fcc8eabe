"""Break requests on the in-memory fakes and a live center (NORMS §5): ask, approve, refuse,
cancel, start and end, one open request at a time, and the event after each commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.adapters.bus.memory import MemoryBus
from helpline.adapters.telephony.sim import SimSwitch
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import VirtualClock
from helpline.app.floor.breaks import FloorService, list_breaks
from helpline.domain.acd.agent import Agent, AgentState
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.errors import DomainError, Forbidden, Invalid, InvalidTransition, NotFound
from helpline.domain.floor.events import BreakUpdated
from helpline.domain.people.accounts import User

T0 = 1_772_400_000.0  # 2026-03-01 21:20 UTC


@dataclass(frozen=True)
class Who:
    user_id: str
    role: str
    tenant_id: str = "default"


@dataclass
class Floor:
    units: FakeUnits
    clock: VirtualClock
    centers: CenterService
    service: FloorService
    agent: Who
    other: Who
    leader: Who

    async def ask(self, who: Who | None = None, reason: str = "other", minutes: int = 3) -> dict[str, Any]:
        async with self.units("default") as uow:
            return await self.service.request_break(uow, who or self.agent, reason, minutes, " 洗手间 ")

    async def decide(self, break_id: int, approve: bool = True, who: Who | None = None) -> dict[str, Any]:
        async with self.units("default") as uow:
            return await self.service.decide(uow, who or self.leader, break_id, approve, "快去快回")

    async def start(self, break_id: int, who: Who | None = None) -> dict[str, Any]:
        async with self.units("default") as uow:
            return await self.service.start(uow, who or self.agent, break_id)

    async def cancel(self, break_id: int, who: Who | None = None) -> dict[str, Any]:
        async with self.units("default") as uow:
            return await self.service.cancel(uow, who or self.agent, break_id)

    def updates(self) -> list[tuple[str, str]]:
        return [
            (e.agent_id, e.request["status"])
            for e in self.units.store.published
            if isinstance(e, BreakUpdated)
        ]


async def _floor() -> Floor:
    units, clock = FakeUnits(), VirtualClock(T0)
    centers = CenterService(clock, MemoryBus(), SimSwitch())
    people = {}
    async with units("default") as uow:
        for name, role in [("zhang", "agent"), ("li", "agent"), ("wang", "leader")]:
            user = await uow.users.add(User("", "", name, "h", role, display_name=name.title()))
            people[name] = Who(user.id, role)
        await uow.commit()
    center = centers.center("default")
    center.put_queue(QueueConfig("general"))
    for who in (people["zhang"], people["li"]):
        center.put_agent(Agent(who.user_id, "default", queues={"general": 0}))
        center.login(who.user_id, T0, ready=True)
    service = FloorService(units, clock, centers)
    return Floor(units, clock, centers, service, people["zhang"], people["li"], people["wang"])


async def test_a_request_is_stored_pending_and_announced_after_the_commit() -> None:
    floor = await _floor()
    asked = await floor.ask()
    assert asked["status"] == "pending" and asked["note"] == "洗手间" and asked["agent_name"] == "Zhang"
    assert asked["minutes"] == 3 and asked["ends_at"] is None
    assert floor.updates() == [(floor.agent.user_id, "pending")]
    (event,) = floor.units.store.published
    assert event.at == T0 and event.as_dict()["request"] == asked


async def test_the_norms_bound_the_minutes_and_the_reasons() -> None:
    floor = await _floor()
    with pytest.raises(Invalid) as too_long:
        await floor.ask(minutes=6)
    assert too_long.value.code == "minutes_out_of_range" and too_long.value.fields["max"] == 5
    with pytest.raises(Invalid) as unknown:
        await floor.ask(reason="nap")
    assert unknown.value.code == "unknown_reason"
    assert (await floor.ask(reason="meal", minutes=45))["minutes"] == 45  # a scheduled meal is longer
    assert floor.updates() == [(floor.agent.user_id, "pending")]


async def test_one_open_request_at_a_time() -> None:
    floor = await _floor()
    first = await floor.ask()
    with pytest.raises(InvalidTransition) as again:
        await floor.ask()
    assert again.value.code == "break_open" and again.value.fields["id"] == first["id"]
    await floor.ask(who=floor.other)  # another agent's request is their own
    await floor.decide(first["id"])
    with pytest.raises(InvalidTransition):
        await floor.ask()  # approved is still open
    await floor.cancel(first["id"])
    second = await floor.ask()
    refused = await floor.decide(second["id"], approve=False)
    assert refused["status"] == "refused" and refused["decision_note"] == "快去快回"
    assert (await floor.ask())["status"] == "pending"  # refused: a new one may be asked


async def test_only_a_leader_decides_and_only_once() -> None:
    floor = await _floor()
    asked = await floor.ask()
    with pytest.raises(Forbidden):
        await floor.decide(asked["id"], who=floor.other)
    approved = await floor.decide(asked["id"])
    assert approved["status"] == "approved" and approved["decided_by"] == floor.leader.user_id
    assert approved["decided_at"] is not None
    with pytest.raises(InvalidTransition) as twice:
        await floor.decide(asked["id"], approve=False)
    assert twice.value.code == "break_not_pending"
    with pytest.raises(NotFound):
        await floor.decide(999)
    assert floor.updates() == [(floor.agent.user_id, "pending"), (floor.agent.user_id, "approved")]


async def test_a_request_is_the_agents_own() -> None:
    floor = await _floor()
    asked = await floor.ask()
    for act in (floor.start, floor.cancel):
        with pytest.raises(NotFound) as hidden:
            await act(asked["id"], floor.other)
        assert hidden.value.code == "break_not_found"
    with pytest.raises(NotFound):
        await floor.cancel(asked["id"], floor.leader)  # a leader refuses, not cancels
    with pytest.raises(InvalidTransition) as early:
        await floor.start(asked["id"])
    assert early.value.code == "break_not_approved"
    async with floor.units("default") as uow:
        assert [b["id"] for b in await list_breaks(uow, floor.other, None, False)] == []
        assert [b["id"] for b in await list_breaks(uow, floor.leader, "open", False)] == [asked["id"]]
        assert await list_breaks(uow, floor.leader, "open", True) == []
        assert await list_breaks(uow, floor.leader, "ended", False) == []


async def test_a_started_break_takes_the_agent_off_the_floor_and_ends_when_they_are_back() -> None:
    floor = await _floor()
    asked = await floor.ask()
    await floor.decide(asked["id"])
    floor.clock.advance(10)
    started = await floor.start(asked["id"])
    assert started["status"] == "started" and started["ends_at"] == T0 + 10 + 180
    agent = floor.centers.center("default").agents[floor.agent.user_id]
    assert agent.state is AgentState.NOT_READY and agent.reason == "other"
    (view,) = floor.service.breaks_of("default")
    assert (view.agent_id, view.minutes, view.started_at) == (floor.agent.user_id, 3, T0 + 10)
    center = floor.centers.center("default")
    assert floor.service.back_from_break("default", center) == []

    floor.clock.advance(60)
    center.ready(floor.agent.user_id, floor.clock.now())
    back = floor.service.back_from_break("default", center)
    assert back == [floor.agent.user_id]
    version = floor.service.version
    await floor.service.end_breaks("default", back, floor.clock.now())
    assert floor.service.breaks_of("default") == [] and floor.service.version > version
    assert [s for _, s in floor.updates()] == ["pending", "approved", "started", "ended"]
    async with floor.units("default") as uow:
        (ended,) = await list_breaks(uow, floor.agent, None, True)
    assert ended["status"] == "ended" and ended["ended_at"] is not None


async def test_a_break_does_not_start_for_an_agent_off_the_phone() -> None:
    floor = await _floor()
    asked = await floor.ask()
    await floor.decide(asked["id"])
    center = floor.centers.center("default")
    center.logout(floor.agent.user_id, T0)
    with pytest.raises(DomainError) as refused:
        await floor.start(asked["id"])
    assert refused.value.code == "logged_out"
    assert floor.service.breaks_of("default") == []
    async with floor.units("default") as uow:
        (still,) = await list_breaks(uow, floor.agent, None, True)
    assert still["status"] == "approved" and [s for _, s in floor.updates()] == ["pending", "approved"]


async def test_started_breaks_are_remembered_after_a_restart() -> None:
    floor = await _floor()
    asked = await floor.ask()
    await floor.decide(asked["id"])
    await floor.start(asked["id"])
    again = FloorService(floor.units, floor.clock, floor.centers)
    await again.load("default")
    assert again.breaks_of("default") == floor.service.breaks_of("default")
    await again.load("acme")
    assert again.breaks_of("acme") == []
