"""Recordings and call quality on the in-memory fakes: what a finished call leaves is stored
in one commit, and who may hear (or read the figures of) a call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.adapters.bus.memory import MemoryBus
from helpline.adapters.telephony.sim import SimSwitch
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import VirtualClock
from helpline.app.telephony import recordings
from helpline.app.telephony.call_quality import call_quality, leg_qualities, quality_row
from helpline.app.telephony.sip_bridge import AcdBridge
from helpline.domain.errors import NotFound
from helpline.domain.telephony.records import CallParties, LegQuality, Recording


def _call(units: FakeUnits, call_id: str, agent: str | None, *agents: str, tenant: str = "default") -> None:
    units.store.telephony.calls[tenant, call_id] = CallParties(call_id, agent)
    units.store.telephony.call_agents[tenant, call_id] = set(agents)


@pytest.mark.parametrize(
    ("user", "leader", "hears"),
    [
        ("taker", False, True),  # the agent on the call record
        ("consulted", False, True),  # an agent of one of its segments
        ("stranger", False, False),
        ("stranger", True, True),  # leaders hear every call of their tenant
    ],
)
async def test_who_may_hear_a_call(user: str, leader: bool, hears: bool) -> None:
    units = FakeUnits()
    _call(units, "c1", "taker", "taker", "consulted")
    async with units("default") as uow:
        if hears:
            await recordings.may_hear(uow, "c1", user_id=user, leader=leader)
        else:
            with pytest.raises(NotFound) as refused:
                await recordings.may_hear(uow, "c1", user_id=user, leader=leader)
            assert refused.value.code == "call_not_found"


async def test_a_missing_call_or_another_tenants_is_not_found_even_to_leaders() -> None:
    units = FakeUnits()
    _call(units, "theirs", "taker", tenant="acme")
    async with units("default") as uow:
        for call_id in ("nowhere", "theirs"):
            with pytest.raises(NotFound) as missing:
                await recordings.recordings_of(uow, call_id, user_id="taker", leader=True)
            assert missing.value.code == "call_not_found"


async def test_the_newest_recording_of_a_kind_whose_file_is_there(tmp_path: Path) -> None:
    units = FakeUnits()
    _call(units, "c1", "taker")
    old, new = tmp_path / "old.wav", tmp_path / "new.wav"
    old.write_bytes(b"RIFF")
    new.write_bytes(b"RIFF")
    await recordings.save_recordings(units, "default", "c1", "call", [(str(old), 1.23456), (str(new), 2.0)])
    await recordings.save_recordings(units, "default", "c1", "voicemail", [])  # nothing to link
    async with units("default") as uow:
        listed = await recordings.recordings_of(uow, "c1", user_id="taker", leader=False)
        found = await recordings.recording_file(uow, "c1", "call", user_id="taker", leader=False)
        with pytest.raises(NotFound) as no_voicemail:
            await recordings.recording_file(uow, "c1", "voicemail", user_id="taker", leader=False)
    assert [(r.path, r.seconds) for r in listed] == [(str(old), 1.235), (str(new), 2.0)]
    assert found == listed[1] and no_voicemail.value.code == "recording_not_found"
    new.unlink()
    async with units("default") as uow:
        with pytest.raises(NotFound) as gone:
            await recordings.recording_file(uow, "c1", "call", user_id="taker", leader=False)
    assert gone.value.code == "recording_not_found"


@dataclass
class Stats:
    """A leg's statistics as the switch keeps them."""

    role: str
    figures: dict[str, Any]

    def quality(self) -> dict[str, Any]:
        return self.figures


@dataclass
class Ended:
    """What the switch reports of a finished call."""

    tenant_id: str
    call_id: str
    rtp: dict[str, Stats]
    recordings: tuple[Path, ...] = ()
    recording_seconds: float = 0.0
    split_recordings: tuple[tuple[str, Path], ...] = ()


@dataclass
class Observer:
    seen: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def observe(self, tenant_id: str, rows: list[dict[str, Any]]) -> None:
        self.seen.append((tenant_id, rows))


def test_leg_figures_are_cut_to_what_storage_holds() -> None:
    legs = leg_qualities(
        {
            "caller": Stats("", {"codec": "telephone-event", "packets_sent": 5, "remote_jitter_ms": None}),
            "a" * 80: Stats("", {"jitter_ms": 1.5}),
            "sup-1": Stats("supervisor-of-the-floor", {}),
        }
    )
    assert legs == [
        LegQuality("caller", "caller", codec="telephon", packets_sent=5),
        LegQuality("a" * 64, "agent", jitter_ms=1.5),
        LegQuality("sup-1", "supervisor-of-th"),
    ]
    assert list(quality_row(legs[0]))[:4] == ["leg", "role", "codec", "packets_sent"]


async def test_an_ended_call_leaves_its_recordings_and_legs_in_one_commit() -> None:
    units = FakeUnits()
    bridge = AcdBridge(CenterService(VirtualClock(), MemoryBus(), SimSwitch()), SimSwitch(), units)
    bridge.media_metrics = observer = Observer()
    await bridge.call_ended(
        Ended(
            "default",
            "c1",
            {"caller": Stats("caller", {"codec": "PCMU", "packets_lost": 3}), "a-1": Stats("agent", {})},
            recordings=(Path("/r/c1.wav"),),
            recording_seconds=61.23456,
            split_recordings=(("caller", Path("/r/c1-caller.wav")), ("agent", Path("/r/c1-agent.wav"))),
        )
    )
    tables = units.store.telephony
    assert [(r.kind, r.path, r.seconds) for _, r in tables.recordings] == [
        ("call", "/r/c1.wav", 61.235),
        ("caller", "/r/c1-caller.wav", 61.235),
        ("agent", "/r/c1-agent.wav", 61.235),
    ]
    assert [(tenant, call, leg.leg, leg.packets_lost) for tenant, call, leg in tables.quality] == [
        ("default", "c1", "caller", 3),
        ("default", "c1", "a-1", 0),
    ]
    ((tenant, rows),) = observer.seen
    assert tenant == "default" and [(r["role"], r["packets_lost"]) for r in rows] == [
        ("caller", 3),
        ("agent", 0),
    ]
    _call(units, "c1", "a-1")
    async with units("default") as uow:
        legs = await call_quality(uow, "c1", user_id="a-1", leader=False)
        with pytest.raises(NotFound):
            await call_quality(uow, "c1", user_id="a-2", leader=False)
    assert [leg.leg for leg in legs] == ["caller", "a-1"]


async def test_a_call_without_media_stores_nothing() -> None:
    units = FakeUnits()
    async with units("default") as uow:
        await recordings.keep_ended_call(uow, "c1", [], [])
        assert uow.commits == 0
    async with units("default") as uow:
        await recordings.keep_ended_call(uow, "c1", [Recording("c1", "call", "/r/x.wav", 1.0)], [])
        assert uow.commits == 1
