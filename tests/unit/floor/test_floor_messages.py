"""The leader's messages on the in-memory fakes: to one user or to every active agent, read
one by one or all at once, and what the leaders sent with how many have read it."""

from __future__ import annotations

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.floor import messages
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.floor.events import LeaderMessage
from helpline.domain.people.accounts import User

T0 = 1_772_400_000.0


async def _people(units: FakeUnits, *names: tuple[str, str, bool]) -> dict[str, str]:
    ids = {}
    async with units("default") as uow:
        for name, role, active in names:
            user = await uow.users.add(
                User("", "", name, "h", role, display_name=name.title(), is_active=active)
            )
            ids[name] = user.id
        await uow.commit()
    return ids


async def test_a_message_to_one_and_to_every_active_agent() -> None:
    units = FakeUnits()
    ids = await _people(
        units,
        ("wang", "leader", True),
        ("zhang", "agent", True),
        ("li", "agent", True),
        ("old", "agent", False),
    )
    async with units("default") as uow:
        one = await messages.send(uow, ids["wang"], ids["zhang"], " 请注意通话时长 ", T0)
    async with units("default") as uow:
        every = await messages.send(uow, ids["wang"], None, "全体就绪", T0 + 1)
    assert (one["recipients"], one["to_all"], one["body"]) == (1, False, "请注意通话时长")
    assert every["recipients"] == 2 and every["to_all"] is True
    first, second = units.store.published
    assert isinstance(first, LeaderMessage) and isinstance(second, LeaderMessage)
    assert first.agent_ids == (ids["zhang"],) and first.from_name == "Wang"
    assert set(second.agent_ids) == {ids["zhang"], ids["li"]} and set(second.ids) == set(second.agent_ids)

    async with units("default") as uow:
        inbox = await messages.inbox(uow, ids["zhang"])
        assert inbox["unread"] == 2 and [m["body"] for m in inbox["items"]] == ["全体就绪", "请注意通话时长"]
        assert inbox["items"][0]["from_name"] == "Wang"
        assert (await messages.inbox(uow, ids["old"]))["items"] == []


async def test_what_cannot_be_sent() -> None:
    units = FakeUnits()
    ids = await _people(units, ("wang", "leader", True), ("old", "agent", False))
    async with units("default") as uow:
        with pytest.raises(InvalidTransition) as nobody:
            await messages.send(uow, ids["wang"], None, "全体就绪", T0)
        with pytest.raises(NotFound) as inactive:
            await messages.send(uow, ids["wang"], ids["old"], "hi", T0)
        with pytest.raises(NotFound):
            await messages.send(uow, ids["wang"], "someone-else", "hi", T0)
        with pytest.raises(Invalid) as empty:
            await messages.send(uow, ids["wang"], ids["wang"], "   ", T0)
        with pytest.raises(Invalid) as long:
            await messages.send(uow, ids["wang"], ids["wang"], "字" * 501, T0)
    assert (nobody.value.code, inactive.value.code) == ("no_agents", "user_not_found")
    assert (empty.value.code, long.value.code) == ("message_empty", "message_too_long")
    assert units.store.published == [] and units.store.floor.messages == {}


async def test_messages_are_read_one_by_one_or_all_and_the_leaders_see_how_many() -> None:
    units = FakeUnits()
    ids = await _people(units, ("wang", "leader", True), ("zhang", "agent", True), ("li", "agent", True))
    async with units("default") as uow:
        await messages.send(uow, ids["wang"], ids["zhang"], "一号", T0)
    async with units("default") as uow:
        await messages.send(uow, ids["wang"], None, "全体", T0 + 1)
    async with units("default") as uow:
        newest = (await messages.inbox(uow, ids["zhang"]))["items"][0]
        with pytest.raises(NotFound) as not_theirs:
            await messages.mark_read(uow, ids["li"], newest["id"], T0 + 2)
        assert not_theirs.value.code == "message_not_found"
        after = await messages.mark_read(uow, ids["zhang"], newest["id"], T0 + 2)
        assert after["unread"] == 1 and after["items"][0]["read_at"] is not None
        again = await messages.mark_read(uow, ids["zhang"], newest["id"], T0 + 9)
        assert again["items"][0]["read_at"] == after["items"][0]["read_at"]  # the first reading counts
        assert (await messages.mark_read(uow, ids["zhang"], None, T0 + 3))["unread"] == 0
        assert (await messages.inbox(uow, ids["li"]))["unread"] == 1
        sent = await messages.sent(uow)
    assert [(s["body"], s["to_all"], s["recipients"], s["read"]) for s in sent] == [
        ("全体", True, 2, 1),
        ("一号", False, 1, 1),
    ]
    assert sent[1]["to_name"] == "Zhang" and sent[0]["to_name"] == ""
    async with units("acme") as uow:
        assert await messages.sent(uow) == []
