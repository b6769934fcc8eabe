"""The SIP account use cases on the in-memory fakes: one account (and one extension) per
user, passwords a phone can send, forward and auto-answer, and the switch's directory
changed only once the change is committed."""

from __future__ import annotations

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.telephony import sip_accounts
from helpline.app.telephony.directory import SipDirectory
from helpline.domain.errors import DomainError, Invalid, NotFound
from helpline.domain.people.accounts import Tenant, User
from helpline.domain.telephony.records import SipAccount


async def _user(units: FakeUnits, name: str, *, tenant: str = "default", extension: str | None = None) -> str:
    async with units(tenant) as uow:
        if await uow.tenants.get(tenant) is None:
            await uow.tenants.add(Tenant(tenant, tenant))
        user = await uow.users.add(User("", "", name, "h", "agent"))
        await uow.commit()
    if extension is not None:
        units.store.telephony.extensions[tenant, user.id] = extension
    return user.id


async def test_the_user_name_defaults_to_the_agents_extension() -> None:
    units, directory = FakeUnits(), SipDirectory()
    agent = await _user(units, "zhang", extension="8001")
    async with units("default") as uow:
        account = await sip_accounts.set_account(uow, directory, agent, password="secret-1")
    assert account == SipAccount("default", agent, "8001", "secret-1")
    assert units.store.telephony.accounts == {agent: account}
    assert directory.extension_of("default", agent) == "8001" and directory.passwords == {"8001": "secret-1"}
    assert directory.owner_of("8001") == ("default", agent)


async def test_without_an_extension_a_user_name_must_be_given() -> None:
    units = FakeUnits()
    plain = await _user(units, "li")
    blank = await _user(units, "wang", extension="")
    async with units("default") as uow:
        for user in (plain, blank):
            with pytest.raises(Invalid) as needed:
                await sip_accounts.set_account(uow, None, user, password="secret-1")
            assert needed.value.code == "username_required"
        made = await sip_accounts.set_account(uow, None, plain, password="secret-1", username="desk.li")
    assert made.username == "desk.li"


async def test_one_account_per_user_changed_in_place() -> None:
    units, directory = FakeUnits(), SipDirectory()
    agent = await _user(units, "zhao", extension="8002")
    async with units("default") as uow:
        await sip_accounts.set_account(uow, directory, agent, password="secret-1")
        await sip_accounts.set_account(uow, directory, agent, password="secret-2", username="8020")
    assert list(units.store.telephony.accounts.values()) == [SipAccount("default", agent, "8020", "secret-2")]
    assert directory.passwords == {"8020": "secret-2"}  # the old name no longer registers


async def test_a_sip_user_name_is_unique_on_the_platform() -> None:
    units = FakeUnits()
    mine = await _user(units, "sun", extension="8003")
    theirs = await _user(units, "zhou", tenant="acme", extension="8003")
    async with units("acme") as uow:
        await sip_accounts.set_account(uow, None, theirs, password="secret-1")
    async with units("default") as uow:
        with pytest.raises(DomainError) as taken:
            await sip_accounts.set_account(uow, None, mine, password="secret-1")
    assert (taken.value.code, taken.value.fields) == ("sip_username_taken", {"username": "8003"})
    assert mine not in units.store.telephony.accounts


@pytest.mark.parametrize(
    ("password", "username", "code"),
    [
        ("short", "8004", "invalid_sip_password"),
        ('with"quote', "8004", "invalid_sip_password"),
        ("back\\slash", "8004", "invalid_sip_password"),
        ("line\r\nbreak", "8004", "invalid_sip_password"),
        ("secret-1", "has space", "invalid_sip_username"),
        ("secret-1", "x" * 65, "invalid_sip_username"),
    ],
)
async def test_passwords_and_names_a_phone_cannot_send_are_refused(
    password: str, username: str, code: str
) -> None:
    units = FakeUnits()
    agent = await _user(units, "wu")
    async with units("default") as uow:
        with pytest.raises(Invalid) as refused:
            await sip_accounts.set_account(uow, None, agent, password=password, username=username)
    assert refused.value.code == code and units.store.telephony.accounts == {}


async def test_another_tenants_user_gets_no_account() -> None:
    units = FakeUnits()
    theirs = await _user(units, "zheng", tenant="acme", extension="9001")
    async with units("default") as uow:
        with pytest.raises(NotFound) as missing:
            await sip_accounts.set_account(uow, None, theirs, password="secret-1")
        with pytest.raises(NotFound) as no_account:
            await sip_accounts.get_account(uow, theirs)
    assert (missing.value.code, no_account.value.code) == ("user_not_found", "sip_account_not_found")


async def test_forward_auto_answer_and_delete_reach_the_directory() -> None:
    units, directory = FakeUnits(), SipDirectory()
    agent = await _user(units, "feng", extension="8005")
    async with units("default") as uow:
        await sip_accounts.set_account(uow, directory, agent, password="secret-1")
        forwarded = await sip_accounts.set_forward(uow, directory, agent, "+8613800138000")
        with pytest.raises(Invalid) as bad:
            await sip_accounts.set_forward(uow, directory, agent, "call me")
        on = await sip_accounts.set_auto_answer(uow, directory, agent, True)
    assert forwarded.forward_to == "+8613800138000" and bad.value.code == "invalid_number"
    assert on.auto_answer and on.forward_to == "+8613800138000"
    assert directory.forward_of("default", agent) == "+8613800138000" and directory.auto_answer_of(
        "default", agent
    )
    async with units("default") as uow:
        back = await sip_accounts.set_forward(uow, directory, agent, None)
        off = await sip_accounts.set_auto_answer(uow, directory, agent, False)
    assert back.forward_to is None and not off.auto_answer
    assert directory.forward_of("default", agent) is None and not directory.auto_answer_of("default", agent)
    async with units("default") as uow:
        await sip_accounts.delete_account(uow, directory, agent)
        with pytest.raises(NotFound):
            await sip_accounts.delete_account(uow, directory, agent)
    assert units.store.telephony.accounts == {} and directory.passwords == {}
    assert directory.extension_of("default", agent) is None


async def test_settings_need_an_account() -> None:
    units = FakeUnits()
    agent = await _user(units, "chen")
    async with units("default") as uow:
        for change in (
            sip_accounts.set_forward(uow, None, agent, "+8613800138000"),
            sip_accounts.set_auto_answer(uow, None, agent, True),
        ):
            with pytest.raises(NotFound) as missing:
                await change
            assert missing.value.code == "sip_account_not_found"


async def test_the_directory_changes_only_once_the_account_is_committed() -> None:
    units, directory = FakeUnits(), SipDirectory()
    agent = await _user(units, "yang", extension="8006")
    async with units("default") as uow:
        await sip_accounts.add_account(uow, directory, agent, password="secret-1")
        assert directory.passwords == {}  # staged, not stored: the switch does not know it
        await uow.rollback()
    assert directory.passwords == {} and units.store.telephony.accounts == {}
    async with units("default") as uow:
        await sip_accounts.add_account(uow, directory, agent, password="secret-1")
        assert directory.passwords == {}
        await uow.commit()
    assert directory.passwords == {"8006": "secret-1"}


async def test_the_directory_is_loaded_with_every_tenants_accounts() -> None:
    units, directory = FakeUnits(), SipDirectory()
    mine = await _user(units, "he", extension="8007")
    theirs = await _user(units, "lv", tenant="acme", extension="9007")
    async with units("default") as uow:
        await sip_accounts.set_account(uow, None, mine, password="secret-1")
        await sip_accounts.set_auto_answer(uow, None, mine, True)
    async with units("acme") as uow:
        await sip_accounts.set_account(uow, None, theirs, password="secret-2")
        await sip_accounts.set_forward(uow, None, theirs, "013900000000")
    directory.put("default", "gone", "7000", "stale")
    async with units("default") as uow:
        assert await sip_accounts.load_directory(uow, directory) == 2
    assert directory.passwords == {"8007": "secret-1", "9007": "secret-2"}
    assert (
        directory.auto_answer_of("default", mine) and directory.forward_of("acme", theirs) == "013900000000"
    )
