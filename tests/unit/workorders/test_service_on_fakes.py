"""The work-order use cases on the in-memory fakes: the rules and the unit's order of things
(commit, then events), without a database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fakes.unit_of_work import FakeStore, FakeUnits
from helpline.app.clock import VirtualClock
from helpline.app.workorders import admin
from helpline.app.workorders.service import WorkOrderService
from helpline.app.workorders.sla import SlaService
from helpline.domain.errors import DomainError, Invalid
from helpline.domain.events import Event
from helpline.domain.people.accounts import User
from helpline.domain.workorders.notices import Addressed

NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC).timestamp()  # a Monday, 12:00 in Beijing
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


@dataclass(frozen=True)
class Who:
    user_id: str
    role: str
    tenant_id: str = "default"


class Heard:
    """The bus as the service sees it: what it published after the commit."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, events: Sequence[Event]) -> None:
        self.events += events


class Files:
    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    async def put(self, tenant_id: str, order_id: str, data: bytes) -> tuple[str, str]:
        key = f"{tenant_id}/{order_id}/{len(self.kept)}"
        self.kept[key] = data
        return key, "digest"

    def path(self, key: str) -> Path:
        return Path("/files") / key

    async def remove(self, key: str) -> None:
        self.kept.pop(key, None)


AGENT, OTHER, HANDLER = Who("agent-1", "agent"), Who("agent-2", "agent"), Who("handler-1", "agent")
LEADER = Who("leader-1", "leader")


@pytest.fixture
def units() -> FakeUnits:
    store = FakeStore()
    for who in (AGENT, OTHER, HANDLER, LEADER):
        store.people.users[who.user_id] = User(who.user_id, "default", who.user_id, "h", who.role)
    return FakeUnits(store)


@pytest.fixture
def service(units: FakeUnits) -> WorkOrderService:
    clock, heard = VirtualClock(NOON), Heard()
    return WorkOrderService(clock, heard, SlaService(units, clock, heard), Files())  # type: ignore[arg-type]


async def _setup(units: FakeUnits) -> None:
    async with units("default") as uow:
        await admin.stage_reasons(uow, [{"code": "noise.construction", "label": "施工噪音"}])
        await admin.stage_shift(uow, LEADER.user_id, "00:00-00:00", None, None)
        await admin.stage_unit(uow, "water", {"name": "自来水公司"})
        await uow.workorder_config.set_members("water", [HANDLER.user_id])
        await uow.commit()


async def test_a_submit_with_missing_fields_names_every_one_and_keeps_the_draft(
    units: FakeUnits, service: WorkOrderService
) -> None:
    await _setup(units)
    async with units("default") as uow:
        order = await service.create(
            uow, AGENT, caller_number="13800138000", values={"category": "complaint"}
        )
    async with units("default") as uow:
        with pytest.raises(Invalid) as refused:
            await service.submit(uow, AGENT, order.number)
    missing = set(refused.value.fields["fields"])
    assert {"location", "summary", "event_time", "place", "course", "request", "reason_code"} <= missing
    async with units("default") as uow:
        assert (await uow.workorders.get(order.id)).state.value == "draft"


async def test_a_complaint_goes_to_the_leader_on_duty_and_is_heard_after_the_commit(
    units: FakeUnits, service: WorkOrderService
) -> None:
    await _setup(units)
    async with units("default") as uow:
        order = await service.create(uow, AGENT, values=COMPLAINT)
    async with units("default") as uow:
        submitted = await service.submit(uow, AGENT, order.id)
    assert submitted.assignee is not None and submitted.assignee.id == LEADER.user_id
    heard = [e for e in units.store.published if isinstance(e, Addressed)]
    last = heard[-1]
    assert last.owner_id == AGENT.user_id and LEADER.user_id in last.audience
    clocks = service.sla.board("default").clocks
    assert any(c.order_id == order.id for c in clocks.values())  # fed after the commit


async def test_reopen_after_a_bad_rating_keeps_the_score_in_the_timeline(
    units: FakeUnits, service: WorkOrderService
) -> None:
    await _setup(units)
    async with units("default") as uow:
        order = await service.create(uow, AGENT, values={**COMPLAINT, "category": "suggestion"})
    steps: list[tuple[Who, str, dict[str, Any]]] = [
        (HANDLER, "accept", {}),
        (HANDLER, "start", {}),
    ]
    async with units("default") as uow:
        await service.submit(uow, AGENT, order.id)
    async with units("default") as uow:
        await service.assign(uow, AGENT, order.id, "unit", "water")
    for who, action, kw in steps:
        async with units("default") as uow:
            await service.simple(uow, who, order.id, action, **kw)
    async with units("default") as uow:
        await service.reply(uow, HANDLER, order.id, "已协调夜间停工", "施工许可未限制夜间作业")
    async with units("default") as uow:
        await service.simple(uow, AGENT, order.id, "close", note="")
    async with units("default") as uow:
        await service.simple(uow, OTHER, order.id, "visit", score=1, note="仍有噪音")
    async with units("default") as uow:
        reopened = await service.simple(uow, LEADER, order.id, "reopen", reason="回访不满意")
    async with units("default") as uow:
        stored = await uow.workorders.get(order.id)
    assert stored.state.value == "reopened" and stored.satisfaction is None and stored.reopen_count == 1
    scores = [(e.action, e.detail.get("score")) for e in stored.timeline if "score" in e.detail]
    assert scores == [("visit", 1), ("reopen", 1)]
    assert reopened.timeline == stored.timeline


async def test_an_attachment_is_kept_with_its_file_and_found_again(
    units: FakeUnits, service: WorkOrderService
) -> None:
    await _setup(units)
    files: Files = service.files  # type: ignore[assignment]
    async with units("default") as uow:
        order = await service.create(uow, AGENT, values=COMPLAINT)
    async with units("default") as uow:
        attached = await service.attach(uow, AGENT, order.id, " photo.jpg ", "image/jpeg", b"abc")
    [attachment] = attached.attachments
    assert (
        attachment.name == "photo.jpg"
        and attachment.size == 3
        and list(files.kept) == [attachment.storage_key]
    )
    async with units("default") as uow:
        found, where = await service.download(uow, order.number, attachment.id)
    assert found == attachment and where == Path("/files") / attachment.storage_key
    async with units("default") as uow:
        with pytest.raises(DomainError):
            await service.download(uow, order.number, "nothing")
