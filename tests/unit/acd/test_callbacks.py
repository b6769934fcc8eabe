"""Callback requests on the in-memory fakes: one per call, the open ones listed oldest first
(the callbacks due), dialled by an agent and closed once the customer was reached."""

from __future__ import annotations

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.adapters.bus.memory import MemoryBus
from helpline.adapters.telephony.sim import SimSwitch
from helpline.app.acd import callbacks
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import VirtualClock
from helpline.domain.acd.agent import Agent
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.errors import Invalid, InvalidTransition, NotFound

NOW = 1_790_000_000.0


async def _request(units: FakeUnits, call_id: str, number: str = "13800138000") -> str:
    async with units("default") as uow:
        return await callbacks.request_callback(uow, call_id, number, queue_id="general", source="ivr")


async def test_one_request_per_call_and_the_open_ones_oldest_first() -> None:
    units = FakeUnits()
    first = await _request(units, "c1")
    assert await _request(units, "c1") == first, "a second key press is the same request"
    second = await _request(units, "c2")
    async with units("default") as uow:
        due = await callbacks.list_callbacks(uow)
        assert [r.id for r in due] == [first, second]
        assert callbacks.as_dict(due[0])["requested_at"].endswith("+00:00")
        await callbacks.finish_callback(uow, first, "agent-1", NOW)
        assert [r.id for r in await callbacks.list_callbacks(uow)] == [second]
        assert [r.id for r in await callbacks.list_callbacks(uow, "done")] == [first]
        assert len(await callbacks.list_callbacks(uow, None)) == 2
    async with units("other") as uow:
        assert await callbacks.list_callbacks(uow, None) == []


async def test_a_closed_or_unknown_request_cannot_be_finished() -> None:
    units = FakeUnits()
    request_id = await _request(units, "c1")
    async with units("default") as uow:
        done = await callbacks.finish_callback(uow, request_id, "agent-1", NOW)
        assert done.status == "done" and done.data["done_by"] == "agent-1"
        assert done.data["done_at"] == "2026-09-21T14:13:20+00:00"
        with pytest.raises(InvalidTransition):
            await callbacks.finish_callback(uow, request_id, "agent-1", NOW)
        with pytest.raises(NotFound):
            await callbacks.finish_callback(uow, "nope", "agent-1", NOW)
    async with units("other") as uow:
        with pytest.raises(NotFound):
            await callbacks.finish_callback(uow, request_id, "agent-1", NOW)


async def test_an_agent_dials_the_number_left_and_the_request_stays_open() -> None:
    units, centers = FakeUnits(), CenterService(VirtualClock(NOW), MemoryBus(), SimSwitch())
    center = centers.center("default")
    center.put_queue(QueueConfig("general"))
    center.put_agent(Agent("a1", "default", queues={"general": 0}))
    center.login("a1", NOW, ready=True)
    request_id = await _request(units, "c1")
    no_number = await _request(units, "c2", number="anonymous")
    async with units("default") as uow:
        request, events = await callbacks.dial_callback(uow, centers, request_id, "a1", "out-1")
        with pytest.raises(Invalid) as refused:
            await callbacks.dial_callback(uow, centers, no_number, "a1", "out-2")
    assert events and center.calls["out-1"].callee == "13800138000"
    assert refused.value.code == "no_number"
    stored = units.store.acd.callbacks["default", request_id]
    assert stored.status == "open" and stored == request
    assert stored.data["dialled"] == [{"call_id": "out-1", "by": "a1", "at": "2026-09-21T14:13:20+00:00"}]
