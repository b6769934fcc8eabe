"""IVR flows on the in-memory fakes: saved only when valid for the tenant (queues and prompts
that exist), one flow per number, and the switch's directory changed only after the commit."""

from __future__ import annotations

import copy

import pytest

from fakes.unit_of_work import FakeUnitOfWork, FakeUnits
from helpline.app.ivr import flows
from helpline.domain.acd.records import QueueRecord
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.people.accounts import Tenant


def _units(*queues: str) -> FakeUnits:
    units = FakeUnits()
    units.store.people.tenants["other"] = Tenant("other", "Other")
    for queue_id in queues:
        units.store.acd.queues["default", queue_id] = QueueRecord(queue_id)
    return units


DEMO_QUEUES = ("general", "complaints", "english")


async def test_a_valid_flow_is_stored_and_answers_its_numbers_after_the_commit() -> None:
    units, directory = _units(*DEMO_QUEUES), flows.FlowDirectory()
    async with units("default") as uow:
        record = await flows.stage_flow(
            uow, directory, "default", {"definition": flows.DEMO_FLOW, "numbers": ["400"]}
        )
        assert directory.numbers == {}, "the switch does not answer with it before the commit"
        await uow.commit()
    assert (record.name, record.numbers, record.active) == ("default", ["400"], True)
    assert directory.numbers == {"400": "default"}
    assert directory.for_call("default", "400").start == "welcome"
    async with units("default") as uow:
        assert [flows.as_dict(f)["id"] for f in await flows.list_flows(uow)] == ["default"]
        await flows.delete_flow(uow, directory, "default")
        with pytest.raises(NotFound):
            await flows.get_flow(uow, "default")
    assert directory.numbers == {} and directory.for_call("default", "400") is directory.builtin


async def test_an_invalid_flow_names_every_problem_and_stores_nothing() -> None:
    units, directory = _units("general"), flows.FlowDirectory()
    broken = copy.deepcopy(flows.DEMO_FLOW)
    broken["nodes"]["welcome"]["prompt"] = "no_such_prompt"
    async with units("default") as uow:
        with pytest.raises(Invalid) as refused:
            await flows.save_flow(
                uow, directory, "default", {"definition": broken}, lambda t, p: p != "no_such_prompt"
            )
        with pytest.raises(Invalid) as bad_id:
            await flows.save_flow(uow, directory, "no spaces", {"definition": flows.DEMO_FLOW})
    problems = {(p["node"], p["code"]) for p in refused.value.fields["problems"]}
    assert problems == {
        ("complaints", "queue_not_found"),
        ("english", "queue_not_found"),
        (None, "prompt_not_found"),
    }
    assert bad_id.value.code == "invalid_flow_id"
    assert units.store.ivr.flows == {} and directory.numbers == {}


async def test_a_number_belongs_to_one_flow_of_all_tenants() -> None:
    units = _units(*DEMO_QUEUES)
    for queue_id in DEMO_QUEUES:
        units.store.acd.queues["other", queue_id] = QueueRecord(queue_id)
    async with units("default") as uow:
        await flows.save_flow(uow, None, "default", {"definition": flows.DEMO_FLOW, "numbers": ["400"]})
        await flows.save_flow(
            uow, None, "default", {"definition": flows.DEMO_FLOW, "numbers": ["400", "401"]}
        )
        with pytest.raises(Invalid) as bad:
            await flows.save_flow(
                uow, None, "second", {"definition": flows.DEMO_FLOW, "numbers": ["call me"]}
            )
    async with units("other") as uow:
        with pytest.raises(InvalidTransition) as taken:
            await flows.save_flow(uow, None, "default", {"definition": flows.DEMO_FLOW, "numbers": ["401"]})
        await flows.save_flow(uow, None, "default", {"definition": flows.DEMO_FLOW, "numbers": ["500"]})
    assert bad.value.code == "invalid_number"
    assert taken.value.code == "number_taken" and taken.value.fields["numbers"] == ["401"]


async def test_a_failed_commit_leaves_the_switch_as_it_was() -> None:
    class FailingCommit(FakeUnitOfWork):
        async def commit(self) -> None:
            raise ConnectionError("the database went away")

    units, directory = _units(*DEMO_QUEUES), flows.FlowDirectory()
    with pytest.raises(ConnectionError):
        await flows.save_flow(
            FailingCommit(units.store, "default"),
            directory,
            "default",
            {"definition": flows.DEMO_FLOW, "numbers": ["400"]},
        )
    assert directory.numbers == {} and units.store.ivr.flows == {}


async def test_the_directory_loads_every_tenants_active_valid_flows() -> None:
    units = _units(*DEMO_QUEUES)
    async with units("default") as uow:
        await flows.save_flow(uow, None, "default", {"definition": flows.DEMO_FLOW, "numbers": ["400"]})
        await flows.save_flow(
            uow, None, "off", {"definition": flows.DEMO_FLOW, "numbers": ["401"], "active": False}
        )
    directory = flows.FlowDirectory({"999": "default"})
    async with units("default") as uow:
        assert await directory.load(uow.ivr_flows) == 1
    assert directory.numbers == {"999": "default", "400": "default"}
