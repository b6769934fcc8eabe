"""The telephony ports: the in-memory fakes and the database adapters (SQLite and
PostgreSQL) must answer alike. The ACD's rows telephony only reads (agent profiles, call
records and their segments) are arranged by each implementation's ``acd`` fixture."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.adapters.db.tables.acd import AgentProfile, CallEventRow, CallRecord
from helpline.app.unit_of_work import AppUnit
from helpline.bootstrap import Container
from helpline.domain.errors import DomainError
from helpline.domain.people.accounts import Tenant, User
from helpline.domain.telephony.records import CallParties, LegQuality, Recording, SipAccount

Units = Callable[[str], AbstractAsyncContextManager[AppUnit]]


@dataclass
class Acd:
    """Arranges what the ACD stores: ``agent(tenant, user, extension)``, ``call(tenant, call,
    agent on the record, agents of its segments)``."""

    agent: Callable[[str, str, str], Awaitable[None]]
    call: Callable[[str, str, str | None, Sequence[str]], Awaitable[None]]


async def _users(units: Units, *names: str, tenant: str = "default") -> list[str]:
    async with units(tenant) as uow:
        ids = []
        for name in names:
            user = User(id="", tenant_id="", username=name, password_hash="h", role="agent")
            ids.append((await uow.users.add(user)).id)
        await uow.commit()
    return ids


async def _other_tenant(units: Units) -> None:
    async with units("default") as uow:
        await uow.tenants.add(Tenant("other", "Other"))
        await uow.commit()


class TelephonyContract:
    async def test_an_account_is_found_by_user_and_by_name_in_every_tenant(self, units: Units) -> None:
        await _other_tenant(units)
        (mine,) = await _users(units, "zhang")
        (theirs,) = await _users(units, "li", tenant="other")
        async with units("default") as uow:
            added = await uow.sip_accounts.add(SipAccount("", mine, "8001", "secret-1"))
            await uow.commit()
        async with units("other") as uow:
            await uow.sip_accounts.add(
                SipAccount("", theirs, "other.8001", "secret-2", "+8613800138000", True)
            )
            await uow.commit()
        assert added == SipAccount("default", mine, "8001", "secret-1")
        async with units("default") as uow:
            assert await uow.sip_accounts.get(mine) == added
            assert await uow.sip_accounts.get(theirs) is None
            holder = await uow.sip_accounts.holder_of("other.8001")
            everyone = sorted(await uow.sip_accounts.every_tenant(), key=lambda a: a.username)
        assert holder == SipAccount("other", theirs, "other.8001", "secret-2", "+8613800138000", True)
        assert everyone == [added, holder]

    async def test_a_taken_sip_user_name_is_refused(self, units: Units) -> None:
        first, second = await _users(units, "wang", "zhao")
        async with units("default") as uow:
            await uow.sip_accounts.add(SipAccount("", first, "8002", "secret-1"))
            await uow.commit()
        async with units("default") as uow:
            with pytest.raises(DomainError) as taken:
                await uow.sip_accounts.add(SipAccount("", second, "8002", "secret-2"))
        assert taken.value.code == "sip_username_taken"

    async def test_changes_are_kept_and_a_deleted_account_is_gone(self, units: Units) -> None:
        (user,) = await _users(units, "sun")
        async with units("default") as uow:
            account = await uow.sip_accounts.add(SipAccount("", user, "8003", "secret-1"))
            await uow.commit()
        async with units("default") as uow:
            account.username, account.password = "8030", "secret-9"
            account.forward_to, account.auto_answer = "013900000000", True
            await uow.sip_accounts.save(account)
            await uow.commit()
        async with units("default") as uow:
            assert await uow.sip_accounts.get(user) == account
            assert await uow.sip_accounts.holder_of("8003") is None
            await uow.sip_accounts.delete(user)
            await uow.commit()
        async with units("default") as uow:
            assert await uow.sip_accounts.get(user) is None
            assert await uow.sip_accounts.every_tenant() == []

    async def test_extensions_are_read_from_the_tenants_agent_profiles(self, units: Units, acd: Acd) -> None:
        await _other_tenant(units)
        agent, plain = await _users(units, "zhou", "wu")
        (theirs,) = await _users(units, "zheng", tenant="other")
        await acd.agent("default", agent, "8004")
        await acd.agent("other", theirs, "9004")
        async with units("default") as uow:
            assert await uow.agent_extensions.extension_of(agent) == "8004"
            assert await uow.agent_extensions.extension_of(plain) is None
            assert await uow.agent_extensions.extension_of(theirs) is None

    async def test_recordings_of_a_call_oldest_first_and_the_latest_of_a_kind(self, units: Units) -> None:
        await _other_tenant(units)
        async with units("default") as uow:
            await uow.recordings.add([Recording("c1", "call", "/r/a.wav", 12.5)])
            await uow.recordings.add(
                [Recording("c1", "stereo", "/r/s.wav", 12.5), Recording("c1", "call", "/r/b.wav", 3.0)]
            )
            await uow.commit()
        async with units("other") as uow:
            await uow.recordings.add([Recording("c1", "voicemail", "/r/v.wav", 1.0)])
            await uow.commit()
        async with units("default") as uow:
            found = await uow.recordings.of_call("c1")
            latest = await uow.recordings.latest("c1", "call")
            assert await uow.recordings.latest("c1", "voicemail") is None
            assert await uow.recordings.of_call("c2") == []
        assert [(r.kind, r.path, r.seconds) for r in found] == [
            ("call", "/r/a.wav", 12.5),
            ("stereo", "/r/s.wav", 12.5),
            ("call", "/r/b.wav", 3.0),
        ]
        assert found[0].id < found[1].id < found[2].id
        assert all(r.created_at is not None and r.created_at.tzinfo is not None for r in found)
        assert latest == found[2]

    async def test_the_legs_of_a_call_come_back_as_stored(self, units: Units) -> None:
        await _other_tenant(units)
        legs = [
            LegQuality("caller", "caller", "PCMU", 250, 40000, 240, 38400, 10, 1.25, 3, 2),
            LegQuality("a-1", "agent", "PCMA", 250, 40000, 250, 40000, 0, 0.5, 3, 2, 0.01, 2, 3.5, 12.0),
        ]
        async with units("default") as uow:
            await uow.call_quality.add("c1", legs)
            await uow.commit()
        async with units("default") as uow:
            assert list(await uow.call_quality.of_call("c1")) == legs
            assert await uow.call_quality.of_call("c2") == []
        async with units("other") as uow:
            assert await uow.call_quality.of_call("c1") == []

    async def test_a_calls_parties_are_read_in_its_tenant(self, units: Units, acd: Acd) -> None:
        await _other_tenant(units)
        taker, helper = await _users(units, "qian", "feng")
        await acd.call("default", "c1", taker, [taker, helper])
        await acd.call("default", "c2", None, [])
        async with units("default") as uow:
            assert await uow.call_parties.get("c1") == CallParties("c1", taker)
            assert await uow.call_parties.agents_on("c1") == {taker, helper}
            assert await uow.call_parties.get("c2") == CallParties("c2", None)
            assert await uow.call_parties.agents_on("c2") == frozenset()
            assert await uow.call_parties.get("c3") is None
        async with units("other") as uow:
            assert await uow.call_parties.get("c1") is None
            assert await uow.call_parties.agents_on("c1") == frozenset()


class TestFakes(TelephonyContract):
    @pytest.fixture
    def fake(self) -> FakeUnits:
        return FakeUnits()

    @pytest.fixture
    def units(self, fake: FakeUnits) -> Units:
        return fake

    @pytest.fixture
    def acd(self, fake: FakeUnits) -> Acd:
        async def agent(tenant: str, user: str, extension: str) -> None:
            fake.store.telephony.extensions[tenant, user] = extension  # (the store's tables change at commit)

        async def call(tenant: str, call_id: str, agent_id: str | None, agents: Sequence[str]) -> None:
            fake.store.telephony.calls[tenant, call_id] = CallParties(call_id, agent_id)
            fake.store.telephony.call_agents[tenant, call_id] = set(agents)

        return Acd(agent, call)


class TestDatabase(TelephonyContract):
    @pytest.fixture
    def units(self, container: Container) -> Units:
        return container.units

    @pytest.fixture
    def acd(self, container: Container) -> Acd:
        async def agent(tenant: str, user: str, extension: str) -> None:
            async with container.sessionmaker() as session, session.begin():
                session.add(AgentProfile(tenant_id=tenant, id=user, extension=extension))

        async def call(tenant: str, call_id: str, agent_id: str | None, agents: Sequence[str]) -> None:
            now = datetime.now(UTC)
            async with container.sessionmaker() as session, session.begin():
                session.add(CallRecord(tenant_id=tenant, id=call_id, agent_id=agent_id, arrived_at=now))
                await session.flush()
                for agent in [*agents, None]:  # a segment without an agent (queued) too
                    session.add(
                        CallEventRow(tenant_id=tenant, call_id=call_id, at=now, type="x", agent_id=agent)
                    )

        return Acd(agent, call)
