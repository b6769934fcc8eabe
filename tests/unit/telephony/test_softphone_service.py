"""The softphone service on the in-memory fakes and a gateway of our own: who may turn it on,
the SIP account it makes on first use, and the desktop's answer reaching the ringing line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.telephony.directory import SipDirectory
from helpline.app.telephony.softphone import SoftphoneService
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import CallAnswered
from helpline.domain.people.accounts import User

OFFER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


class Refused(Exception):
    """The registration error of this gateway."""


@dataclass
class Ringing:
    call_id: str


@dataclass
class Phone:
    call: Ringing | None = None


@dataclass
class Line:
    phone: Phone = field(default_factory=Phone)
    answered: int = 0

    def snapshot(self) -> dict[str, Any]:
        return {"state": "ringing" if self.phone.call else "registered", "call": None}

    def answer(self) -> bool:
        self.answered += 1
        return self.phone.call is not None

    def hangup(self) -> bool:
        return False

    def dtmf(self, digits: str) -> bool:
        if "x" in digits:
            raise ValueError("not a key")
        return self.phone.call is not None


@dataclass
class Gateway:
    ice_servers: list[str] = field(default_factory=lambda: ["stun:stun.example.org"])
    lines: dict[tuple[str, str], Line] = field(default_factory=dict)
    registered: list[tuple[str, str]] = field(default_factory=list)
    refuse: bool = False

    def get(self, key: tuple[str, str]) -> Line | None:
        return self.lines.get(key)

    async def open(
        self, key: tuple[str, str], username: str, password: str | Callable[[], str], offer_sdp: str
    ) -> tuple[Line, str]:
        if self.refuse:
            raise Refused("403 Forbidden")
        self.registered.append((username, password() if callable(password) else password))
        line = self.lines[key] = Line()
        return line, "v=0 answer"

    async def close(
        self, key: tuple[str, str], *, unregister: bool = True, line_id: str | None = None
    ) -> bool:
        return self.lines.pop(key, None) is not None

    async def close_all(self, *, unregister: bool = True) -> None:
        self.lines.clear()


@dataclass
class Sip:
    started: bool = True
    directory: SipDirectory = field(default_factory=SipDirectory)


async def _user(units: FakeUnits, name: str, extension: str | None = None) -> str:
    async with units("default") as uow:
        user = await uow.users.add(User("", "", name, "h", "agent"))
        await uow.commit()
    if extension is not None:
        units.store.telephony.extensions["default", user.id] = extension
    return user.id


async def test_turning_it_on_makes_an_account_named_after_the_extension() -> None:
    units, sip, gateway = FakeUnits(), Sip(), Gateway()
    agent = await _user(units, "zhang", "8001")
    service = SoftphoneService(units, sip, gateway, Refused)
    answer = await service.turn_on("default", agent, OFFER)
    assert answer["type"] == "answer" and answer["sdp"] == "v=0 answer" and answer["available"]
    account = units.store.telephony.accounts[agent]
    assert account.username == "8001" and gateway.registered == [("8001", account.password)]
    assert sip.directory.passwords == {"8001": account.password}  # the switch lets it register
    await service.turn_on("default", agent, OFFER)  # again: the same account
    assert len(units.store.telephony.accounts) == 1 and gateway.registered[1] == gateway.registered[0]


async def test_a_user_without_an_extension_gets_a_web_account() -> None:
    units = FakeUnits()
    leader = await _user(units, "li")
    service = SoftphoneService(units, Sip(), Gateway(), Refused)
    await service.turn_on("default", leader, OFFER)
    assert units.store.telephony.accounts[leader].username == "web-" + leader[:40]


async def test_without_a_switch_or_a_gateway_it_says_why() -> None:
    units = FakeUnits()
    agent = await _user(units, "wang", "8002")
    for service, reason in (
        (SoftphoneService(units, None, None), "virtual_switch"),
        (SoftphoneService(units, Sip(), None), "no_webrtc"),
        (SoftphoneService(units, Sip(started=False), Gateway()), "switch_not_started"),
    ):
        assert service.status("default", agent)["state"] == "off"
        with pytest.raises(InvalidTransition) as refused:
            await service.turn_on("default", agent, OFFER)
        assert refused.value.code == "softphone_unavailable" and refused.value.fields["reason"] == reason
    assert units.store.telephony.accounts == {}


async def test_refusals_are_told_clearly() -> None:
    units = FakeUnits()
    agent = await _user(units, "zhao", "8003")
    service = SoftphoneService(units, Sip(), Gateway(refuse=True), Refused)
    with pytest.raises(Invalid) as bad_offer:
        await service.turn_on("default", agent, "v=0\r\n")
    with pytest.raises(InvalidTransition) as refused:
        await service.turn_on("default", agent, OFFER)
    assert (bad_offer.value.code, refused.value.code) == ("invalid_offer", "softphone_register_failed")
    with pytest.raises(NotFound):
        service.answer("default", agent)


def _answered(call_id: str, agent_id: str) -> CallAnswered:
    return CallAnswered(
        tenant_id="default",
        at=0.0,
        call_id=call_id,
        agent_id=agent_id,
        queue_id="general",
        waited=1.0,
        rang=1.0,
    )


async def test_the_desktops_answer_picks_up_the_line_ringing_with_that_call() -> None:
    units, gateway = FakeUnits(), Gateway()
    agent = await _user(units, "sun", "8004")
    service = SoftphoneService(units, Sip(), gateway, Refused)
    await service.turn_on("default", agent, OFFER)
    line = gateway.lines["default", agent]
    line.phone.call = Ringing("c1")
    service.on_events([_answered("c2", agent)])
    assert line.answered == 0  # another call
    service.on_events([_answered("c1", agent)])
    assert line.answered == 1
    assert service.dtmf("default", agent, "12#")["digits"] == "12#"
    with pytest.raises(Invalid):
        service.dtmf("default", agent, "x")
    with pytest.raises(InvalidTransition):
        service.hangup("default", agent)
    assert await service.turn_off("default", agent)
    await service.stop()
