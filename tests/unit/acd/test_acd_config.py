"""The ACD configuration use cases on the in-memory fakes: queues validated, agent profiles
and skills, not-ready reasons, and the live core changed only once the unit is committed."""

from __future__ import annotations

import pytest

from fakes.unit_of_work import FakeUnitOfWork, FakeUnits
from helpline.adapters.bus.memory import MemoryBus
from helpline.adapters.telephony.sim import SimSwitch
from helpline.app.acd import config
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import VirtualClock
from helpline.domain.acd.call import Call
from helpline.domain.acd.records import AgentProfile
from helpline.domain.errors import DomainError, Invalid, InvalidTransition, NotFound
from helpline.domain.people.accounts import User


def _centers() -> CenterService:
    return CenterService(VirtualClock(100.0), MemoryBus(), SimSwitch())


async def _user(units: FakeUnits, name: str = "li") -> User:
    async with units("default") as uow:
        user = await uow.users.add(
            User(id="", tenant_id="", username=name, password_hash="h", role="agent", display_name=f"{name}!")
        )
        await uow.commit()
    return user


async def test_a_new_queue_takes_the_cores_defaults_and_goes_live() -> None:
    units, centers = FakeUnits(), _centers()
    async with units("default") as uow:
        queue = await config.save_queue(uow, centers, "general", {"name": "综合"}, create=True)
    assert (queue.name, queue.strategy, queue.sl_target, queue.overflow) == ("综合", "longest_idle", 0.8, [])
    assert units.store.acd.queues["default", "general"] == queue
    assert centers.center("default").queue_config("general").name == "综合"


async def test_a_queue_breaking_a_rule_is_refused_and_nothing_changes() -> None:
    units, centers = FakeUnits(), _centers()
    async with units("default") as uow:
        await config.save_queue(uow, centers, "general", {}, create=True)
        with pytest.raises(InvalidTransition) as exists:
            await config.save_queue(uow, centers, "general", {}, create=True)
        with pytest.raises(NotFound) as missing:
            await config.save_queue(uow, centers, "nowhere", {"name": "x"}, create=False)
        with pytest.raises(Invalid) as bad:
            await config.save_queue(uow, centers, "general", {"sl_target": 2.0}, create=False)
        with pytest.raises(NotFound) as target:
            await config.save_queue(
                uow, centers, "english", {"exit_action": "queue", "exit_queue_id": "gone"}, create=True
            )
        with pytest.raises(NotFound) as overflow:
            await config.save_queue(
                uow, centers, "vip", {"overflow": [{"after": 30, "to_queue_id": "gone"}]}, create=True
            )
    assert [e.value.code for e in (exists, missing, bad, target, overflow)] == [
        "queue_exists",
        "queue_not_found",
        "invalid_sl_target",
        "queue_not_found",
        "queue_not_found",
    ]
    assert list(units.store.acd.queues) == [("default", "general")]
    assert set(centers.center("default").router.queues) == {"general"}
    assert centers.center("default").queue_config("general").sl_target == 0.8


async def test_a_queue_may_exit_to_one_staged_in_the_same_unit() -> None:
    units, centers = FakeUnits(), _centers()
    async with units("default") as uow:
        await config.stage_queue(uow, centers, "general", {}, create=True)
        await config.stage_queue(
            uow, centers, "english", {"exit_action": "queue", "exit_queue_id": "general"}, create=True
        )
        assert centers.center("default").router.queues == {}, "nothing is live before the commit"
        await uow.commit()
    assert centers.center("default").queue_config("english").exit_queue_id == "general"


class FailingCommit(FakeUnitOfWork):
    """A unit whose commit fails (the database went away), after the use case staged its change."""

    async def commit(self) -> None:
        raise ConnectionError("the database went away")


class WatchedCommit(FakeUnitOfWork):
    """Notes which queues the live core had at the moment the commit began."""

    def __init__(self, units: FakeUnits, centers: CenterService) -> None:
        super().__init__(units.store, "default")
        self.centers = centers
        self.live_at_commit: set[str] | None = None

    async def commit(self) -> None:
        self.live_at_commit = set(self.centers.center("default").router.queues)
        await super().commit()


async def test_a_failed_commit_leaves_the_live_acd_as_it_was() -> None:
    units, centers = FakeUnits(), _centers()
    async with units("default") as uow:
        await config.save_queue(uow, centers, "general", {"name": "before"}, create=True)
    failing = FailingCommit(units.store, "default")
    with pytest.raises(ConnectionError):
        await config.save_queue(failing, centers, "general", {"name": "after"}, create=False)
    with pytest.raises(ConnectionError):
        await config.save_queue(failing, centers, "other", {}, create=True)
    with pytest.raises(ConnectionError):
        await config.delete_queue(failing, centers, "general")
    with pytest.raises(ConnectionError):
        await config.set_reasons(failing, centers, ["break"])
    center = centers.center("default")
    assert set(center.router.queues) == {"general"} and center.queue_config("general").name == "before"
    assert "meal" in center.not_ready_reasons
    assert units.store.acd.queues["default", "general"].name == "before"


async def test_the_live_acd_takes_a_change_only_after_the_commit() -> None:
    units, centers = FakeUnits(), _centers()
    watched = WatchedCommit(units, centers)
    await config.save_queue(watched, centers, "general", {}, create=True)
    assert watched.live_at_commit == set()
    assert set(centers.center("default").router.queues) == {"general"}
    await config.delete_queue(watched, centers, "general")
    assert watched.live_at_commit == {"general"}
    assert set(centers.center("default").router.queues) == set()


async def test_a_profile_goes_live_with_the_users_name_and_changes_keep_what_is_not_given() -> None:
    units, centers = FakeUnits(), _centers()
    user = await _user(units)
    async with units("default") as uow:
        await config.save_queue(uow, centers, "general", {}, create=True)
        made = await config.save_agent(
            uow,
            centers,
            user.id,
            {"extension": "8001", "skills": {"zh": 5}, "queues": {"general": 0}},
            create=True,
        )
        assert made == AgentProfile(user.id, "8001", {"zh": 5}, {"general": 0}, "auto_in")
        changed = await config.save_agent(
            uow, centers, user.id, {"skills": {"zh": 9}, "extension": None}, create=False
        )
    assert changed == AgentProfile(user.id, "8001", {"zh": 9}, {"general": 0}, "auto_in")
    live = centers.center("default").agent(user.id)
    assert (live.name, live.skills, live.queues) == ("li!", {"zh": 9}, {"general": 0})


async def test_a_profile_is_refused_for_bad_values_unknown_users_and_queues() -> None:
    units, centers = FakeUnits(), _centers()
    user = await _user(units)
    cases = [
        ("nobody", {}, True, "user_not_found"),
        (user.id, {"skills": {"zh": 11}}, True, "invalid_skill_level"),
        (user.id, {"queues": {"general": 101}}, True, "invalid_penalty"),
        (user.id, {"work_mode": "sometimes"}, True, "invalid_work_mode"),
        (user.id, {"queues": {"general": 0}}, True, "queue_not_found"),
        (user.id, {}, False, "agent_not_found"),
    ]
    async with units("default") as uow:
        for agent_id, values, create, code in cases:
            with pytest.raises(DomainError) as refused:
                await config.save_agent(uow, centers, agent_id, values, create=create)
            assert refused.value.code == code
        await config.save_agent(uow, centers, user.id, {}, create=True)
        with pytest.raises(InvalidTransition):
            await config.save_agent(uow, centers, user.id, {}, create=True)
    assert list(units.store.acd.profiles) == [("default", user.id)]


async def test_a_deleted_queue_leaves_its_members_profiles_and_is_refused_while_callers_wait() -> None:
    units, centers = FakeUnits(), _centers()
    user = await _user(units)
    async with units("default") as uow:
        await config.save_queue(uow, centers, "general", {}, create=True)
        await config.save_queue(uow, centers, "billing", {}, create=True)
        await config.save_agent(uow, centers, user.id, {"queues": {"general": 0, "billing": 1}}, create=True)
    center = centers.center("default")
    center.arrive(Call("c1", "default", caller="1", callee="2"), 100.0)
    center.enqueue("c1", "billing", 100.0)
    async with units("default") as uow:
        with pytest.raises(InvalidTransition) as waiting:
            await config.delete_queue(uow, centers, "billing")
        await config.delete_queue(uow, centers, "general")
        with pytest.raises(NotFound):
            await config.delete_queue(uow, centers, "general")
    assert waiting.value.code == "queue_not_empty"
    assert units.store.acd.profiles["default", user.id].queues == {"billing": 1}
    assert set(center.router.queues) == {"billing"} and center.agent(user.id).queues == {"billing": 1}


async def test_skills_are_created_and_replaced() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        await config.save_skill(uow, "zh", "", "")
        await config.save_skill(uow, "en", "English", "")
        await config.save_skill(uow, "zh", "普通话", "Mandarin")
        assert [(s.id, s.name, s.description) for s in await config.list_skills(uow)] == [
            ("en", "English", ""),
            ("zh", "普通话", "Mandarin"),
        ]


async def test_reasons_are_cleaned_stored_and_live_after_commit() -> None:
    units, centers = FakeUnits(), _centers()
    async with units("default") as uow:
        assert await config.set_reasons(uow, centers, [" meal ", "break", "break", ""]) == ["break", "meal"]
        with pytest.raises(Invalid):
            await config.set_reasons(uow, centers, [" "])
    assert units.store.people.tenants["default"].settings["not_ready_reasons"] == ["break", "meal"]
    assert centers.center("default").not_ready_reasons == {"break", "meal"}


async def test_load_all_rebuilds_every_tenant_from_storage() -> None:
    units, before = FakeUnits(), _centers()
    user = await _user(units)
    async with units("default") as uow:
        await config.save_queue(uow, before, "general", {}, create=True)
        await config.save_queue(
            uow, before, "english", {"exit_action": "queue", "exit_queue_id": "general"}, create=True
        )
        await config.save_agent(uow, before, user.id, {"queues": {"english": 0}}, create=True)
        await config.set_reasons(uow, before, ["break"])
    restarted = _centers()
    await config.load_all(units, restarted)
    center = restarted.center("default")
    assert set(center.router.queues) == {"general", "english"}
    assert center.agent(user.id).queues == {"english": 0} and center.not_ready_reasons == {"break"}
